"""`create_app(data_dir)`: load the data once and build the Dash app (placeholder until the dashboard lands)."""

from __future__ import annotations

from pathlib import Path

from dash import Dash, html

from uniondash.format import display_value
from uniondash.load import load_dataset
from uniondash.model import Filters, headline_facts
from uniondash.web import export_routes


def create_app(data_dir: Path) -> Dash:
    dataset = load_dataset(data_dir)
    headlines = headline_facts(dataset, Filters())
    app = Dash(__name__, title="株洲市总工会五年成就 uniondash")
    app.layout = html.Main(
        [
            html.H1("株洲市总工会五年工作成就（2019–2023）"),
            html.Ul([html.Li(f"{row['label_zh']}：{display_value(row, 'zh')}") for _, row in headlines.iterrows()]),
            html.P(dataset.sources["citation_zh"].iloc[0]),
        ]
    )
    # Plain Flask routes beside the Dash pages; each module owns its routes.
    export_routes.register(app.server, dataset)
    return app
