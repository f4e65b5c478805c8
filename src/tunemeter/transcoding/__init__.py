"""Transcoding: render masters into every format, sized, tagged, cached."""
