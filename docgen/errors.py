"""Exceptions that stop a whole run (as opposed to a unit's bad file, which only gets a receipt)."""


class DocgenError(Exception):
    """Base class: the message is shown to the secretariat as it is, so it is written in Chinese."""


class WorkspaceError(DocgenError):
    """The workspace is missing or unreadable: campaign.yaml, the registry or a folder."""


class ContractError(DocgenError):
    """A data contract file is malformed."""
