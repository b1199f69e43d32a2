"""Token authentication: `Authorization: Bearer kh_…` (also `Token kh_…`). Session auth serves the browser."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .services import token_user


class TokenAuthentication(authentication.BaseAuthentication):
    keywords = ("bearer", "token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower().decode(errors="replace") not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Tiêu đề Authorization phải có dạng «Bearer <token>».")
        try:
            secret = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed("Token không hợp lệ.") from None
        found = token_user(secret)
        if found is None:
            raise exceptions.AuthenticationFailed("Token không hợp lệ, đã hết hạn hoặc đã bị thu hồi.")
        return found

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.TokenAuthentication"
    name = "token"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "Token cá nhân tạo ở trang «Đổi mật khẩu, token API» của người dùng.",
        }
