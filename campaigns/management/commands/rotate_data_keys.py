"""Re-encrypt every encrypted column with the first key of ZOUFANG_DATA_KEYS (key rotation)."""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from campaigns.lib.crypto import EncryptedCharField, reencrypt, reset_keys


class Command(BaseCommand):
    help = "用 ZOUFANG_DATA_KEYS 的第一个密钥重新加密全部个人信息字段"

    def handle(self, *args, **options):
        reset_keys()
        for model in apps.get_models():
            if any(isinstance(f, EncryptedCharField) for f in model._meta.concrete_fields):
                with transaction.atomic():
                    n = reencrypt(model)
                self.stdout.write(f"{model._meta.label}: {n}")
