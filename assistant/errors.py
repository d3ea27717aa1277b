"""The project's exceptions. Front ends turn each into a one-line message or a 4xx."""


class PolicyAssistantError(Exception):
    """Base class: the message is meant for the user, one line, no traceback."""


class UnreadableFile(PolicyAssistantError):
    """A corpus file that has no text to be had (binary, empty, encrypted, unknown type)."""


class EmptyCorpus(PolicyAssistantError):
    """The corpus folder holds no readable document."""


class IndexMissing(PolicyAssistantError):
    """No index has been built in the index directory yet."""


class IndexCorrupt(PolicyAssistantError):
    """An index build failed verification (a file missing, truncated or changed)."""


class EmbedderUnavailable(PolicyAssistantError):
    """The configured embedding model cannot be loaded."""


class BadInput(PolicyAssistantError):
    """Input from a user or a file that does not have the expected shape."""


class BackendUnavailable(PolicyAssistantError):
    """The search backend (a Milvus server) cannot be reached or refused a request."""
