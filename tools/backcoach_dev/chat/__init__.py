"""Talking to Back Coach without an Echo: ``backcoach-dev chat`` and ``backcoach-dev simulate``.

Typed text goes through the skill's own interaction model (``nlu``), becomes the JSON
Alexa would send (``requests``), reaches the webhook in-process or over HTTP as one
device would send it (``device``), and the answer's SSML is shown as text
(``render``), optionally spoken (``voice``).  ``conversation`` is what Alexa does
between the person and the skill; ``loop`` is the terminal chat and ``scenario`` the
scripted conversations.  Nothing here is imported by the skill itself.
"""
