"""The embedded broker (`make run`): kombu's file-system transport, made safe for bursts.

kombu writes a message file under its final name and then fills it, so a worker listing
the folder at that moment takes an empty file, fails to parse it and its consumer dies
(seen under a burst of wake-ups). Here a message is written under a name no reader takes,
then renamed into place, which is atomic on one file system.
"""
import os
import uuid

from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        name = f"{int(round(filesystem.monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = os.path.join(self.data_folder_out, f".{name}.partial")
        try:
            with open(partial, "wb") as f:
                f.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            raise filesystem.ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel


def install() -> None:
    """Make `filesystem://` URLs use this transport."""
    TRANSPORT_ALIASES["filesystem"] = "metachat.broker:Transport"
