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
            models.Instrument,
            models.InstrumentVersion,
            models.MeasureSchedule,
            models.ClinicalAlert,
        ):
            auditlog.register(model)
        # The answers and scores are clinical content: the audit log records who changed a
        # check-in and when, never what the client answered.
        auditlog.register(models.CheckIn, exclude_fields=["answers", "scores"])
