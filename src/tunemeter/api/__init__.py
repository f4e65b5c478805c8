"""The JSON API (django-ninja): thin routes calling the apps' services."""
