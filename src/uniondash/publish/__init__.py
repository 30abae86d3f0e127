"""Publishing for any audience size: the app baked into static files (`site.py`), with the URLs inside
pointed at those files and run-to-run differences fixed (`links.py`), and the data as a Frictionless
Data Package (`datapackage.py`)."""
