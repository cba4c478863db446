from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "tongxing.portal"
    verbose_name = "Citizen portal"

    def ready(self) -> None:
        # The application engine asks the app owning a role what its users may reach:
        # citizens reach exactly the persons they are linked to (portal/queries.py).
        from tongxing.accounts.roles import Role
        from tongxing.portal.queries import citizen_acts_for, citizen_applications
        from tongxing.services.scoping import register_application_scope, register_person_access

        register_application_scope(Role.CITIZEN, citizen_applications)
        register_person_access(Role.CITIZEN, citizen_acts_for)
