"""Building a reply message: the Status that answers each command, and the reply written once, in the
client's encoding, its size known after every command (see ``protocol.encoder``)."""

from dataclasses import dataclass

from syncmld.errors import LocalError
from syncmld.protocol.encoder import Encoding, MessageEncoder, message_encoder
from syncmld.protocol.messages import Chal, Command, Item, SyncHdr, SyncML, command_name
from syncmld.protocol.messages import Status as StatusCmd
from syncmld.status import StatusCode


@dataclass(frozen=True)
class Reply:
    message: SyncML
    """What the reply holds (its commands without CmdIDs: the encoder numbered them in this order)."""
    body: bytes
    """The reply as it goes on the wire."""
    encoding: Encoding


class ReplyBuilder:
    """Collects the commands of one reply, Status commands first, in the order of what they answer.

    Until ``seal`` (when the reply's header is known) commands are collected; from then on each command
    is written as it comes, and ``encoder`` tells the size of the message so far.
    """

    def __init__(self, msg_ref: str) -> None:
        self.msg_ref = msg_ref
        self.statuses: list[StatusCmd] = []
        self.commands: list[Command] = []
        self._header: SyncHdr | None = None
        self._encoder: MessageEncoder | None = None

    def header_status(self, header: SyncHdr, code: StatusCode, chal: Chal | None = None) -> None:
        self.statuses.append(
            StatusCmd(
                msg_ref=self.msg_ref,
                cmd_ref="0",
                cmd="SyncHdr",
                data=code,
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
        """Answer ``command`` (unless it asked for no response); statuses come before the reply is sealed."""
        if getattr(command, "no_resp", False):
            return
        if self._encoder is not None:
            raise LocalError("a Status added to a reply whose statuses are written already")
        self.statuses.append(
            StatusCmd(
                msg_ref=self.msg_ref,
                cmd_ref=command.cmd_id or "0",
                cmd=command_name(command),
                data=code,
                target_refs=(target_ref,) if target_ref else (),
                source_refs=(source_ref,) if source_ref else (),
                items=items,
            )
        )

    def add(self, command: Command) -> None:
        self.commands.append(command)
        if self._encoder is not None:
            self._encoder.add(command)

    def seal(self, header: SyncHdr, encoding: Encoding) -> MessageEncoder:
        """Write the header and every command collected so far; the encoder takes what follows."""
        if self._encoder is None:
            self._header = header
            self._encoder = message_encoder(header, encoding)
            self._encoder.add_all((*self.statuses, *self.commands))
        return self._encoder

    def written(self, command: Command) -> None:
        """Note a command that was written to the encoder directly (a Sync filled change by change)."""
        self.commands.append(command)

    def build(self, final: bool) -> Reply:
        """The reply, once sealed."""
        if self._encoder is None or self._header is None:
            raise LocalError("a reply is built once its header is known (seal)")
        message = SyncML(header=self._header, commands=(*self.statuses, *self.commands), final=final)
        return Reply(message, self._encoder.finish(final), self._encoder.encoding)
