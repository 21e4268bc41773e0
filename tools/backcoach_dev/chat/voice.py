"""Saying the answers aloud through espeak-ng, when it is installed.

espeak-ng reads the skill's SSML itself (``-m``): breaks, prosody rate and all, so
a hold takes about as long as it would on an Echo.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable

PROGRAM = "espeak-ng"
INSTALL_HINT = (
    "espeak-ng is not installed, so Back Coach will stay silent. "
    "To hear it: sudo apt-get install espeak-ng (Debian/Ubuntu), then run with --speak again."
)
# espeak-ng's English voices; the locales without their own sound like one of these.
VOICES = {"en-US": "en-us", "en-CA": "en-us", "en-GB": "en-gb", "en-AU": "en-gb", "en-IN": "en-gb"}


class Voice:
    """espeak-ng for one locale."""

    def __init__(self, program: str, locale: str = "en-US") -> None:
        self.program = program
        self.voice = VOICES.get(locale, "en")
        self._playing: subprocess.Popen[bytes] | None = None

    @classmethod
    def find(
        cls, locale: str = "en-US", which: Callable[[str], str | None] = shutil.which
    ) -> Voice | None:
        """espeak-ng if it is on the PATH, else None (say :data:`INSTALL_HINT`)."""
        program = which(PROGRAM)
        return cls(program, locale) if program else None

    def command(self) -> list[str]:
        return [self.program, "-m", "-v", self.voice, "--stdin"]

    def start(self, ssml: str) -> None:
        """Begin saying it and return at once (for printing along in real time)."""
        self.stop()
        try:
            self._playing = subprocess.Popen(
                self.command(),
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        except OSError:
            self._playing = None
            return
        assert self._playing.stdin is not None
        try:
            self._playing.stdin.write(ssml.encode("utf-8"))
            self._playing.stdin.close()
        except OSError:
            self.stop()

    def wait(self) -> None:
        """Until it has finished speaking (Ctrl-C cuts it short)."""
        if self._playing is None:
            return
        try:
            self._playing.wait()
        except KeyboardInterrupt:
            self.stop()
        self._playing = None

    def say(self, ssml: str) -> None:
        self.start(ssml)
        self.wait()

    def stop(self) -> None:
        if self._playing is not None and self._playing.poll() is None:
            self._playing.terminate()
            self._playing.wait()
        self._playing = None
