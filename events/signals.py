"""Keep each incident's headline figures equal to its preferred casualty figures.

Signals rather than CasualtyFigure.save(): loaddata saves raw and skips save(), but still sends these.
"""

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from .models import CasualtyFigure, Incident


@receiver(pre_save, sender=CasualtyFigure)
def remember_previous_incident(sender, instance, **kwargs):
    instance._previous_incident_id = (
        sender.objects.filter(pk=instance.pk).values_list("incident_id", flat=True).first() if instance.pk else None
    )


@receiver(post_save, sender=CasualtyFigure)
@receiver(post_delete, sender=CasualtyFigure)
def refresh_headline_figures(sender, instance, **kwargs):
    incident_ids = {instance.incident_id, getattr(instance, "_previous_incident_id", None)} - {None}
    for incident in Incident.objects.filter(pk__in=incident_ids):
        incident.refresh_headline_figures()
