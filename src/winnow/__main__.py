from winnow.cli.main import main

main()
