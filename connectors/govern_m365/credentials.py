"""Signing in to Microsoft Graph through azure-identity, or with a bearer token given as is.

The only module that reads secret values; it hands them straight to azure-identity and never
formats them into a message.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlparse

from govern.errors import ConfigError
from govern_m365.settings import AuthMethod, M365Settings


class StaticTokenCredential:
    """An azure-core style credential that returns a fixed bearer token.

    For the sandbox, and for tokens minted by another tool. Its ``repr`` never shows the token.
    """

    def __init__(self, token: str) -> None:
        self._token = token

    def __repr__(self) -> str:
        return "StaticTokenCredential(token=**********)"

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        """The token, valid for an hour from now (azure-core's AccessToken)."""
        from azure.core.credentials import AccessToken

        return AccessToken(self._token, int(time.time()) + 3600)


def graph_scope(graph_url: str) -> str:
    """The ``.default`` scope of a Graph endpoint (national clouds have their own)."""
    parsed = urlparse(graph_url)
    return f"{parsed.scheme}://{parsed.hostname}/.default"


def build_credential(settings: M365Settings) -> Any:
    """The credential for the configured sign-in method."""
    from azure import identity

    kwargs: dict[str, Any] = {}
    if settings.authority:
        kwargs["authority"] = settings.authority
    tenant, client = settings.tenant_id, settings.client_id
    method = settings.auth
    if method is AuthMethod.STATIC_TOKEN:
        assert settings.static_token is not None  # checked by the settings model
        return StaticTokenCredential(settings.static_token.get_secret_value())
    if method is AuthMethod.CLIENT_SECRET:
        assert settings.client_secret is not None and client is not None
        return identity.ClientSecretCredential(
            tenant, client, settings.client_secret.get_secret_value(), **kwargs
        )
    if method is AuthMethod.CERTIFICATE:
        assert settings.certificate_path is not None and client is not None
        if not settings.certificate_path.is_file():
            raise ConfigError(
                f"setting m365.certificate_path: {settings.certificate_path} is not a file; "
                f"point it at the PEM or PKCS#12 file of the app registration's certificate"
            )
        password = settings.certificate_password
        return identity.CertificateCredential(
            tenant,
            client,
            certificate_path=str(settings.certificate_path),
            password=password.get_secret_value().encode() if password else None,
            **kwargs,
        )
    if method is AuthMethod.MANAGED_IDENTITY:
        return identity.ManagedIdentityCredential(client_id=client)
    assert client is not None  # the interactive methods require it (settings model)
    if method is AuthMethod.DEVICE_CODE:
        return identity.DeviceCodeCredential(client_id=client, tenant_id=tenant, **kwargs)
    return identity.InteractiveBrowserCredential(client_id=client, tenant_id=tenant, **kwargs)


def auth_provider(settings: M365Settings) -> Any:
    """The kiota authentication provider for the configured endpoint and credential."""
    from kiota_authentication_azure.azure_identity_authentication_provider import (
        AzureIdentityAuthenticationProvider,
    )

    host = urlparse(settings.graph_url).hostname or ""
    return AzureIdentityAuthenticationProvider(
        build_credential(settings),
        scopes=[graph_scope(settings.graph_url)],
        allowed_hosts=[host],
    )
