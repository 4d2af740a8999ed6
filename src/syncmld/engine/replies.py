"""Building a reply message: command ids, and the Status that answers each command."""

from syncmld.protocol.messages import Chal, Command, Item, SyncHdr, SyncML, command_name, numbered
from syncmld.protocol.messages import Status as StatusCmd
from syncmld.status import StatusCode


class ReplyBuilder:
    """Collects the commands of one reply; Status commands first, in the order of what they answer."""

    def __init__(self, msg_ref: str) -> None:
        self.msg_ref = msg_ref
        self.statuses: list[StatusCmd] = []
        self.commands: list[Command] = []

    def header_status(self, header: SyncHdr, code: StatusCode, chal: Chal | None = None) -> None:
        self.statuses.append(
            StatusCmd(
                cmd_id="0",
                msg_ref=self.msg_ref,
                cmd_ref="0",
                cmd="SyncHdr",
                data=str(int(code)),
                target_refs=(header.target.uri,),
                source_refs=(header.source.uri,),
                chal=chal,
            )
        )

    def status(
        self,
        command: Command,
        code: StatusCode,
        target_ref: str | None = None,
        source_ref: str | None = None,
        items: tuple[Item, ...] = (),
    ) -> None:
        """Answer ``command`` (unless it asked for no response)."""
        if getattr(command, "no_resp", False):
            return
        self.statuses.append(
            StatusCmd(
                cmd_id="0",
                msg_ref=self.msg_ref,
                cmd_ref=getattr(command, "cmd_id", "0"),
                cmd=command_name(command),
                data=str(int(code)),
                target_refs=(target_ref,) if target_ref else (),
                source_refs=(source_ref,) if source_ref else (),
                items=items,
            )
        )

    def add(self, command: Command) -> None:
        self.commands.append(command)

    def build(self, header: SyncHdr, final: bool) -> SyncML:
        """The reply, with command ids numbered 1, 2, ... in message order."""
        return SyncML(header=header, commands=numbered((*self.statuses, *self.commands)), final=final)
