from uniondash.cli import main

main()
