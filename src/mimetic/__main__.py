from mimetic.cli import main

main()
