from trackbook.cli import main

main()
