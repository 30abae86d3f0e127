"""Run the dashboard on the shipped data: `python app.py`. For production, `gunicorn app:server`."""

from uniondash.config import resolve_data_dir
from uniondash.web.app import create_app

app = create_app(resolve_data_dir())
server = app.server

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=8050, debug=False)
