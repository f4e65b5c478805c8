"""Let one master serve several tracks (a recording on several releases).

The master moves from Master.track (one to one) to Track.master (many to one), and each
track records the file it was imported from.
"""

from __future__ import annotations

import django.db.models.deletion
from django.db import migrations, models


def _forward(apps, schema_editor) -> None:
    """Point each track at the master that pointed at it, with that master's source."""
    Master = apps.get_model("catalog", "Master")
    Track = apps.get_model("catalog", "Track")
    for master in Master.objects.all().iterator():
        Track.objects.filter(pk=master.track_id).update(
            master=master,
            source_sha256=master.sha256,
            source_path=master.source_path,
            source_path_bytes=master.source_path.encode("utf-8", "surrogateescape"),
            tag_fingerprint=master.tag_fingerprint,
        )


def _backward(apps, schema_editor) -> None:
    """Give each master back its first track."""
    Master = apps.get_model("catalog", "Master")
    Track = apps.get_model("catalog", "Track")
    for master in Master.objects.all().iterator():
        track = Track.objects.filter(master=master).order_by("pk").first()
        if track is not None:
            Master.objects.filter(pk=master.pk).update(track_id=track.pk)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0004_loudness"),
    ]

    operations = [
        migrations.AddField(
            model_name="track",
            name="master",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="tracks",
                to="catalog.master",
            ),
        ),
        migrations.AddField(
            model_name="track",
            name="source_sha256",
            field=models.CharField(blank=True, db_index=True, max_length=64),
        ),
        migrations.AddField(
            model_name="track",
            name="source_path",
            field=models.CharField(blank=True, help_text="escaped for display", max_length=2000),
        ),
        migrations.AddField(
            model_name="track",
            name="source_path_bytes",
            field=models.BinaryField(default=b"", editable=False),
        ),
        migrations.AddField(
            model_name="track",
            name="tag_fingerprint",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AlterField(
            model_name="master",
            name="track",
            field=models.OneToOneField(
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                to="catalog.track",
                related_name="+",
            ),
        ),
        migrations.RunPython(_forward, _backward),
        migrations.RemoveField(model_name="master", name="track"),
        migrations.AlterField(
            model_name="master",
            name="source_path",
            field=models.CharField(
                help_text="where the stored file was imported from, escaped for display",
                max_length=2000,
            ),
        ),
    ]
