"""Stamp each history row with who acted, as they were named at that moment."""

from django.dispatch import receiver
from simple_history.signals import pre_create_historical_record


@receiver(pre_create_historical_record)
def stamp_the_actor(sender, instance, history_instance, history_user=None, **kwargs):
    if history_user is None or not hasattr(history_instance, "history_username"):
        return
    history_instance.history_username = history_user.get_username()
    history_instance.history_printed_name = history_user.get_full_name().strip()
