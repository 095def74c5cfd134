from autonote.cli import main

main()
