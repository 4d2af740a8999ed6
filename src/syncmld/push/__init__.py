"""Push (server-alerted sync): devices that asked for it are told, through a channel outside syncmld,
when data they sync changed. The store keeps what is pending (``syncmld.store.pushes``); this package
builds the notifications, delivers them and says when."""
