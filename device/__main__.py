from device.owner.cli import main

raise SystemExit(main())
