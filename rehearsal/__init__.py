"""The deploy rehearsal (docs/rehearsal.md): the emulator extension and the driver."""
