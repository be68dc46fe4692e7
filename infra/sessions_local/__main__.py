from sessions_local.cli import main

if __name__ == "__main__":  # not when an execution environment's process imports it
    raise SystemExit(main())
