"""API authentication: knox tokens (`Authorization: Token <token>`), stored as digests, expiring.

Its own module: DRF reads the authentication classes while `rest_framework.views` is imported, so
the class must live where importing it does not import the views first."""

import knox.auth
from django.utils import timezone
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.signals import token_expired


class TokenAuthentication(knox.auth.TokenAuthentication):
    """knox's token check without its sweep of the user's other expired tokens on every request
    (a query per API call): the token presented is still refused and deleted once expired, and
    the others go when their user next logs in (`campaigns.api.TokenView`)."""

    def _cleanup_token(self, auth_token) -> bool:
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            username = auth_token.user.get_username()
            auth_token.delete()
            token_expired.send(sender=type(self), username=username, source="auth_token")
            return True
        return False


class TokenScheme(KnoxTokenScheme):
    """The token in the OpenAPI schema (`/api/schema/`), as drf-spectacular describes knox's."""

    target_class = "campaigns.authentication.TokenAuthentication"
