"""End-to-end tests: SyncEvolution over real HTTP against a real ``syncmld serve`` process."""
