"""``python -m dcgan`` (and ``torchrun -m dcgan``) entry point."""

from dcgan.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
