from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "clients"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import models

        for model in (
            models.Client,
            models.ProgramTrack,
            models.EmergencyContact,
            models.Intake,
            models.SubstanceUse,
            models.Diagnosis,
            models.Medication,
            models.LevelOfCareEpisode,
            models.Consent,
            models.Disclosure,
            models.TreatmentPlan,
            models.Problem,
            models.Goal,
            models.Objective,
            models.Intervention,
            models.PlanReview,
            models.ObjectiveProgress,
            models.Discharge,
            models.Payer,
            models.PayerUnitRule,
            models.Authorization,
        ):
            auditlog.register(model)
