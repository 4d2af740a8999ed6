from syncmld.cli import main

main()
