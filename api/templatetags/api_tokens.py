from django import template

from ..models import ApiToken
from ..views_tokens import TokenForm

register = template.Library()


@register.inclusion_tag("api/_tokens.html", takes_context=True)
def api_token_section(context):
    """The user's API tokens and the form to create one, for the password page."""
    user = context["request"].user
    return {"tokens": ApiToken.objects.filter(user=user), "form": TokenForm(), "csrf_token": context.get("csrf_token")}
