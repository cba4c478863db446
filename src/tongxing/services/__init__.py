"""The application engine (issue #5 item 1): service types as region-pack data, one
action per transition, staff inboxes, working-day deadlines, documents kept on the
person, and the facilities and providers directory.

How another app plugs in
========================

1. **Declare the service type** in the region pack: ``regions/<pack>/services/<code>.yaml``
   (the schema is in :mod:`tongxing.services.definitions`: form ``fields``, ``documents``,
   ``eligibility``, ordered ``steps`` each with ``role``, ``days`` (working days),
   ``decision: true`` on exactly one, ``facility_kind`` on a step that places the person at
   a facility, later ``role: provider`` steps done by that facility's staff). Load with
   ``manage.py load_services`` (idempotent; every problem named with file and line).

2. **Submit** (:mod:`tongxing.services.actions`)::

       application = submit_application(actor, person, "assistive_device",
                                        answers={"need": "..."},
                                        documents={"id_card": document},   # kept on person
                                        idempotency_key=form_token)   # resubmit: same row

   ``actor`` is staff of the person's area (``APPLY_FOR_SERVICE``) or whoever
   :func:`tongxing.services.scoping.register_person_access` lets act for the person (the
   portal registers the citizen). Eligibility (registry facts, parameters, registered
   checks) is refused with the reasons; one open application per person and service.

3. **Transitions**, each one transaction with a history row (``ApplicationEvent``) and an
   audit row; wrong role, out of area, not the facility's staff, or a step already done →
   ``PermissionDenied``/``ValidationError`` and nothing changed::

       complete_step(actor, application, "assessment", data={...}, facility=centre,
                     documents={"photo": doc}, extra={"anything": "for handlers"})
       approve_application(actor, application, "decision", data={...}, items=[...])
       refuse_application(actor, application, "decision", reason="...")
       reassign_application(actor, application, to_user, note="...")
       add_comment(actor, application, "text")
       withdraw_application(actor, application, reason="...")
       record_service(provider_user, application, day, "what was done", hours)
       upload_document(actor, person, kind, file_name, content_bytes)

   Every transition takes ``day=`` (default today) for the demo and tests.

4. **Step handlers** (:mod:`tongxing.services.handlers`): attach your own rows to a step,
   inside the transition's transaction (no signals)::

       register_step_handler("assistive_device", "fitting", fn)   # fn(ctx: StepContext)
       register_eligibility_check("child_rehabilitation", check)
       # check(person, answers, day) -> list of reasons it refuses

       register_outcome_handler(fn)   # fn(ctx: OutcomeContext), any service type,
       # once an application is completed, refused or withdrawn (final status saved)

   Call them from your ``AppConfig.ready``. A handler raising refuses the transition.

5. **Scopes** (:mod:`tongxing.services.scoping`): ``applications_for(user)`` (staff by area,
   providers by their facilities via ``FacilityMember``, other roles by a registered
   ``register_application_scope(role, fn)``), ``get_application_for_user(user, pk)`` (404 +
   audited refusal), ``inbox_for(user)``, ``may_act_for_person``, ``may_view_person_services``,
   ``facility_ids_for(user)``.

6. **Facilities** (:class:`tongxing.services.models.Facility`): ``kind``
   (:class:`FacilityKind`), ``area`` (nullable) or ``region`` text for Chengdu/Chongqing,
   ``capacity``, contact, ``designated`` with ``designated_from``/``designated_until``,
   ``mutual_recognition``; ``create_facility``, ``update_facility``, ``add_facility_member``,
   ``remove_facility_member``. County officers (``MANAGE_FACILITIES``) manage those of their
   county, city officers every one, those outside the region too
   (``scoping.facilities_managed_by`` / ``get_managed_facility``); the pages are
   ``facilities/new/``, ``facilities/<pk>/edit/`` and ``facilities/<pk>/members/``.

7. **Benefit rules as pre-checks** (:mod:`tongxing.services.builtin`):
   ``benefit_rule_check(benefit)`` turns a benefits-engine rule into an eligibility check
   (its conditions for the person on the day, in the rule's wording; parameters the region
   has not entered do not refuse). ``education_aid`` uses the ``education_aid`` rule.
"""
