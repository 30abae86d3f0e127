from uniondash.cli import cli

cli()
