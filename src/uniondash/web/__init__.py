"""The web room: the Dash app factory, its pages and callbacks. Only this package imports dash."""
