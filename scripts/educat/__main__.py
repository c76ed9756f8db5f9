from educat.cli import main

main()
