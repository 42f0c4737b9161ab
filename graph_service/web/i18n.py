"""The words of the pages, in French and Arabic.

Social workers in the field read French or Arabic; the pages show one or the
other (``lang``) and the Arabic pages run right to left (``dir="rtl"``). The
vocabularies of the circuit (stages, situations, sectors…) already carry both
labels in :mod:`graph_service.domain.taxonomy`, so only the interface's own
words live here. A key missing from :data:`LABELS` is a bug and fails loudly
(``KeyError``), so a page cannot silently show an empty label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup, escape

from ..domain.messages import ITEMS_SEPARATOR, LABEL_SEPARATOR, LIST_SEPARATOR, say
from ..domain.taxonomy import VOCABULARIES
from ..text import thousands

__all__ = ["FIELD_LABELS", "LABELS", "LANGS", "Lang", "lang_of", "ltr", "num", "term"]

LANGS = ("fr", "ar")

LABELS: dict[str, tuple[str, str]] = {
    # punctuation, the messages' own (an Arabic page takes « ، » and « ؛ », no space before « : »)
    "comma": (LIST_SEPARATOR["fr"], LIST_SEPARATOR["ar"]),
    "semicolon": (ITEMS_SEPARATOR["fr"], ITEMS_SEPARATOR["ar"]),
    "colon": (LABEL_SEPARATOR["fr"], LABEL_SEPARATOR["ar"]),
    # frame
    "site_title": ("Protection de l'enfance — annuaire et orientation",
                   "حماية الطفولة — الدليل والتوجيه"),
    "skip": ("Aller au contenu", "انتقل إلى المحتوى"),
    "nav": ("Navigation principale", "التنقل الرئيسي"),
    "orienter": ("Orienter un enfant", "توجيه طفل"),
    "annuaire": ("Annuaire", "الدليل"),
    "mon_organisation": ("Mon organisation", "مؤسستي"),
    "coordination": ("Coordination", "التنسيق"),
    "signin": ("Se connecter", "تسجيل الدخول"),
    "signout": ("Se déconnecter", "تسجيل الخروج"),
    "signed_in_as": ("Connecté·e :", "متصل(ة):"),
    "switch_lang": ("العربية", "Français"),
    "switch_lang_label": ("Afficher en arabe", "عرض بالفرنسية"),
    "footer": ("Aucune donnée permettant d'identifier un enfant n'est enregistrée par ce service.",
               "لا تسجل هذه الخدمة أي معطيات تمكن من التعرف على طفل."),
    "home_intro": ("Où orienter un enfant, maintenant ? Qui fait quoi dans la province ?",
                   "إلى أين نوجه الطفل الآن؟ من يفعل ماذا في الإقليم؟"),
    "home_orienter": ("Décrivez la situation : le plan de prise en charge, étape par étape.",
                      "صف الوضعية: خطة التكفل، مرحلة بمرحلة."),
    "home_annuaire": ("Les acteurs de la protection de l'enfance, leurs services et horaires.",
                      "فاعلو حماية الطفولة وخدماتهم ومواقيتهم."),
    # errors
    "error": ("Erreur", "خطأ"),
    "forbidden": ("Accès refusé", "الولوج مرفوض"),
    "not_found": ("Page introuvable", "الصفحة غير موجودة"),
    "csrf_failed": ("Le formulaire a expiré ou ne vient pas de ce site. Rechargez la page et "
                    "recommencez.", "انتهت صلاحية الاستمارة. أعد تحميل الصفحة وحاول مجددا."),
    "form_errors": ("Le formulaire contient des erreurs : voir les champs signalés.",
                    "تحتوي الاستمارة على أخطاء: انظر الحقول المشار إليها."),
    "conflict": ("Cette fiche a été modifiée entre-temps (version {current}). Rechargez-la "
                 "avant de modifier.", "تم تعديل هذه البطاقة في الأثناء (النسخة {current}). "
                 "أعد تحميلها قبل التعديل."),
    "too_large": ("Le formulaire envoyé est trop volumineux.", "الاستمارة المرسلة كبيرة جدا."),
    "back_home": ("Retour à l'accueil", "العودة إلى الصفحة الرئيسية"),
    # sign-in
    "username": ("Identifiant", "اسم المستخدم"),
    "password": ("Mot de passe", "كلمة المرور"),
    "bad_credentials": ("Identifiant ou mot de passe incorrect.",
                        "اسم المستخدم أو كلمة المرور غير صحيحة."),
    "throttled": ("Trop de tentatives de connexion. Réessayez dans quelques minutes.",
                  "محاولات كثيرة. أعد المحاولة بعد بضع دقائق."),
    "signin_intro": ("Réservé aux professionnels du réseau : associations, coordinations, "
                     "services publics.", "خاص بمهنيي الشبكة: الجمعيات والتنسيقيات والمصالح "
                     "العمومية."),
    # orientation form
    "orienter_intro": ("Décrivez une situation, jamais une identité : ni nom, ni date de "
                       "naissance, ni adresse.", "صف وضعية، لا هوية: لا اسم ولا تاريخ ازدياد "
                       "ولا عنوان."),
    "commune": ("Commune où se trouve l'enfant", "الجماعة التي يوجد بها الطفل"),
    "commune_hint": ("Nom en français ou en arabe ; choisissez dans la liste.",
                     "الاسم بالفرنسية أو بالعربية؛ اختر من القائمة."),
    "age": ("Âge (années)", "السن (بالسنوات)"),
    "sex": ("Sexe", "الجنس"),
    "unspecified": ("Non précisé", "غير محدد"),
    "situations": ("Situations", "الوضعيات"),
    "urgent": ("Urgence médicale ou sociale", "حالة استعجال طبية أو اجتماعية"),
    "language": ("Langue parlée", "اللغة المتحدث بها"),
    "start_stage": ("Étape où en est l'enfant", "المرحلة التي بلغها الطفل"),
    "max_km": ("Distance maximale (km)", "المسافة القصوى (كلم)"),
    "submit_orienter": ("Proposer un plan", "اقتراح خطة"),
    # plan
    "plan_title": ("Plan d'orientation", "خطة التوجيه"),
    "plan_for": ("Situation : {situations} — {where}", "الوضعية: {situations} — {where}"),
    "recommended": ("Service proposé", "الخدمة المقترحة"),
    "alternatives": ("Autres possibilités ({n})", "بدائل أخرى ({n})"),
    "no_service": ("Aucun service trouvé pour cette étape.", "لم يتم العثور على أي خدمة لهذه "
                   "المرحلة."),
    "skipped": ("Étape non nécessaire", "مرحلة غير ضرورية"),
    "why": ("Pourquoi", "لماذا"),
    "distance": ("{km}\u00a0km", "{km}\u00a0كلم"),
    "outside_province": ("hors de la province", "خارج الإقليم"),
    "open_247": ("Ouvert 24h/24, 7j/7", "مفتوح 24/24 ساعة، 7/7 أيام"),
    "hours": ("Horaires", "المواقيت"),
    "access": ("Accès", "الولوج"),
    "documents": ("Documents à apporter", "الوثائق الواجب إحضارها"),
    "channels": ("Joindre", "الاتصال"),
    "address": ("Adresse", "العنوان"),
    "confidential_address": ("Adresse confidentielle : commune seulement",
                             "عنوان سري: الجماعة فقط"),
    "gaps": ("Manques dans la province", "النواقص في الإقليم"),
    "gap_nearest": ("Le plus proche : {name}, à {km} km", "الأقرب: {name}، على بعد {km} كلم"),
    "route_map": ("Carte du parcours", "خريطة المسار"),
    "print_sheet": ("Fiche de liaison à imprimer", "بطاقة الربط للطباعة"),
    "new_orientation": ("Nouvelle orientation", "توجيه جديد"),
    "linked_from": ("Lien établi avec l'étape précédente", "رابط قائم مع المرحلة السابقة"),
    "to_verify": ("à vérifier", "في انتظار التحقق"),
    "out_of_area": ("hors zone", "خارج المنطقة"),
    "competent": ("compétent", "مختص"),
    "competent_institution": ("Institution compétente : {name}", "المؤسسة المختصة: {name}"),
    "for_information": ("Pour information, pas une recommandation : {name}, à {km} km",
                        "للعلم فقط، وليس توصية: {name}، على بعد {km} كلم"),
    "not_given": ("non renseigné", "غير متوفر"),
    "fallback_organization": ("À défaut, joindre l'organisation :", "عند التعذر، اتصل بالمؤسسة:"),
    "fallback_national": ("À défaut, les numéros nationaux (appel gratuit) :",
                          "عند التعذر، الأرقام الوطنية (مكالمة مجانية):"),
    "emergency_numbers": ("Numéros d'urgence (appel gratuit)", "أرقام الطوارئ (مكالمة مجانية)"),
    # The plan as text (`graph-service route`): the same words, written for a terminal.
    "cli_age": ("{n} ans", "{n} سنة"),
    "cli_urgent": ("urgence", "استعجال"),
    "cli_disability": ("handicap", "إعاقة"),
    "cli_stage_not_needed": ("Étape sans objet : {why}.", "مرحلة غير ضرورية: {why}."),
    "cli_no_service": ("Aucun service à proposer.", "لا توجد خدمة يمكن اقتراحها."),
    "cli_alternatives": ("Autres possibilités :", "بدائل أخرى:"),
    "cli_gaps": ("Lacunes de la province :", "نواقص الإقليم:"),
    "cli_km": ("km", "كلم"),
    "cli_link": ("Lien d'orientation", "رابط التوجيه"),
    "cli_bring": ("À apporter", "يُحضَر"),
    "cli_reach": ("Joindre", "للاتصال"),
    "cli_fallback": ("À défaut", "عند التعذر"),
    "cli_area_children": ("{area} : {children} enfants dans {communes} communes",
                          "{area}: {children} طفل في {communes} جماعة"),
    "cli_services": ("{n} services", "{n} خدمة"),
    "cli_gap": ("MANQUE", "نقص"),
    "cli_no_provider": ("aucun service", "لا توجد خدمة"),
    "cli_far_commune": ("{name} ({code}) : {children} enfants, {km}",
                        "{name} ({code}): {children} طفل، {km}"),
    "cli_lacking_provinces": ("Provinces ayant une étape sans aucun service : {n}",
                              "أقاليم بها مرحلة بدون أي خدمة: {n}"),
    # referral sheet
    "sheet_title": ("Fiche de liaison", "بطاقة الربط"),
    "sheet_intro": ("À remplir à la main. Ces informations ne sont jamais envoyées au service.",
                    "تملأ باليد. لا ترسل هذه المعلومات أبدا إلى الخدمة."),
    "sheet_child": ("L'enfant", "الطفل"),
    "sheet_name": ("Nom et prénom", "الاسم الكامل"),
    "sheet_birth": ("Date de naissance", "تاريخ الازدياد"),
    "sheet_guardian": ("Parent ou tuteur, téléphone", "الولي، الهاتف"),
    "sheet_notes": ("Observations", "ملاحظات"),
    "sheet_referrer": ("Orienté·e par (service, nom, téléphone)", "موجه من طرف (المصلحة، الاسم، "
                       "الهاتف)"),
    "sheet_date": ("Date et signature", "التاريخ والتوقيع"),
    "sheet_steps": ("Parcours proposé", "المسار المقترح"),
    "print": ("Imprimer", "طباعة"),
    "download_pdf": ("Télécharger la fiche (PDF)", "تحميل البطاقة (PDF)"),
    "sheet_day": ("Date", "التاريخ"),
    "back_to_plan": ("Retour au plan", "العودة إلى الخطة"),
    # annuaire
    "search": ("Rechercher", "بحث"),
    "search_text": ("Nom, service ou situation (français ou arabe)",
                    "الاسم أو الخدمة أو الوضعية (بالفرنسية أو بالعربية)"),
    "more_services": ("{n} autre(s) service(s) correspondant(s)", "{n} خدمة أخرى مطابقة"),
    "province": ("Province ou préfecture", "الإقليم أو العمالة"),
    "commune_filter": ("Commune", "الجماعة"),
    "sector": ("Secteur", "القطاع"),
    "stage": ("Étape du circuit", "مرحلة المسار"),
    "situation": ("Situation", "الوضعية"),
    "service_type": ("Type de service", "نوع الخدمة"),
    "any": ("Tous", "الكل"),
    "results": ("{n} organisation(s)", "{n} مؤسسة"),
    "no_results": ("Aucune organisation ne correspond.", "لا توجد أي مؤسسة مطابقة."),
    "previous": ("Précédent", "السابق"),
    "next": ("Suivant", "التالي"),
    "page_n": ("Page {page} sur {pages}", "الصفحة {page} من {pages}"),
    # organisation page
    "services": ("Services", "الخدمات"),
    "sites": ("Lieux d'accueil", "أماكن الاستقبال"),
    "contacts": ("Personnes de contact", "الأشخاص المخاطبون"),
    "contacts_signin": ("Les personnes de contact sont visibles par les professionnels "
                        "connectés.", "الأشخاص المخاطبون يظهرون للمهنيين المتصلين فقط."),
    "verified_on": ("Vérifié le {date}", "تم التحقق في {date}"),
    "not_verified": ("non vérifié", "غير متحقق منه"),
    "ages": ("Âges", "الأعمار"),
    "ages_range": ("{low} à {high} ans", "من {low} إلى {high} سنة"),
    "sex_only": ("Réservé : {sex}", "خاص بـ: {sex}"),
    "languages": ("Langues", "اللغات"),
    "status": ("Statut", "الوضع"),
    "stages": ("Étapes du circuit", "مراحل المسار"),
    "website": ("Site web", "الموقع الإلكتروني"),
    "email": ("Courriel", "البريد الإلكتروني"),
    "description": ("Description", "الوصف"),
    "schedule_note": ("Précisions sur les horaires", "توضيحات حول المواقيت"),
    "edit": ("Modifier", "تعديل"),
    "confidential": ("Lieu confidentiel", "مكان سري"),
    "cost": ("Coût", "التكلفة"),
    # editing
    "edit_org": ("Modifier l'organisation", "تعديل المؤسسة"),
    "edit_site": ("Modifier le lieu", "تعديل المكان"),
    "edit_service": ("Modifier le service", "تعديل الخدمة"),
    "name": ("Nom", "الاسم"),
    "name_ar": ("Nom en arabe", "الاسم بالعربية"),
    "save": ("Enregistrer", "حفظ"),
    "cancel": ("Annuler", "إلغاء"),
    "saved_unverified": ("Modification enregistrée : elle reste « non vérifiée » jusqu'à la "
                         "validation par la coordination provinciale.",
                         "تم حفظ التعديل: يبقى «غير متحقق منه» إلى أن تصادق عليه التنسيقية "
                         "الإقليمية."),
    "saved": ("Modification enregistrée.", "تم حفظ التعديل."),
    "channel_kind": ("Type", "النوع"),
    "channel_value": ("Numéro ou adresse", "الرقم أو العنوان"),
    "channel_label": ("Précision", "توضيح"),
    "channel_n": ("Moyen de contact {n}", "وسيلة الاتصال {n}"),
    "channel_of": ("{kind} (moyen de contact {n})", "{kind} (وسيلة الاتصال {n})"),
    "add_channel": ("Ajouter un moyen de contact", "إضافة وسيلة اتصال"),
    "add_hours": ("Ajouter un créneau", "إضافة فترة"),
    "remove_channel": ("Supprimer ce moyen de contact", "حذف وسيلة الاتصال هذه"),
    "remove_hours": ("Supprimer ce créneau", "حذف هذه الفترة"),
    "phone_hint": ("Téléphone : ex. 05 37 88 12 34 ; courriel : ex. contact@association.ma ; "
                   "site : ex. https://www.association.ma",
                   "الهاتف: مثلا 05 37 88 12 34؛ البريد: مثلا contact@association.ma"),
    "hours_hint": ("Heures au format 24 h, ex. 09:00 et 16:30.",
                   "الساعات بصيغة 24 ساعة، مثلا 09:00 و16:30."),
    "site_ids_hint": ("Les lieux de l'organisation où ce service est rendu.",
                      "أماكن المؤسسة التي تقدم فيها هذه الخدمة."),
    "new_site": ("Ajouter un lieu", "إضافة مكان"),
    "new_service": ("Ajouter un service", "إضافة خدمة"),
    "close_service": ("Fermer ce service", "إغلاق هذه الخدمة"),
    "close_service_hint": ("Le service reste dans l'historique mais n'est plus proposé "
                           "(statut « Inactif »). Vous pourrez le rouvrir.",
                           "تبقى الخدمة في السجل لكنها لا تقترح بعد الآن (الوضع «غير نشط»). "
                           "يمكنك إعادة فتحها."),
    "reopen_service": ("Rouvrir ce service", "إعادة فتح هذه الخدمة"),
    "service_closed": ("Service fermé : il n'est plus proposé.",
                       "تم إغلاق الخدمة: لم تعد تقترح."),
    "service_reopened": ("Service rouvert.", "تمت إعادة فتح الخدمة."),
    "remove_site": ("Retirer ce lieu", "حذف هذا المكان"),
    "remove_site_hint": ("Le lieu n'est plus un lieu de l'organisation ; l'historique garde "
                         "sa dernière fiche.",
                         "لم يعد المكان من أماكن المؤسسة؛ يحتفظ السجل ببطاقته الأخيرة."),
    "site_removed": ("Lieu retiré.", "تم حذف المكان."),
    "site_in_use_now": ("Un service vient d'être rattaché à ce lieu : rien n'a été retiré, "
                        "la page est à jour.",
                        "تم ربط خدمة بهذا المكان للتو: لم يحذف أي شيء، والصفحة محدثة."),
    "site_in_use": ("Ce lieu accueille encore : {services}. Retirez-le d'abord de ces services "
                    "(ou fermez-les).",
                    "لا يزال هذا المكان يستقبل: {services}. احذفه أولا من هذه الخدمات "
                    "(أو أغلقها)."),
    "created_unverified": ("Fiche créée : elle reste « non vérifiée » jusqu'à la validation par "
                           "la coordination provinciale.",
                           "تم إنشاء البطاقة: تبقى «غير متحقق منها» إلى أن تصادق عليها "
                           "التنسيقية الإقليمية."),
    "hours_n": ("Créneau {n}", "الفترة {n}"),
    "byday": ("Jours", "الأيام"),
    "opens_at": ("Ouverture", "الافتتاح"),
    "closes_at": ("Fermeture", "الإغلاق"),
    "none": ("—", "—"),
    "age_min": ("Âge minimum", "السن الأدنى"),
    "age_max": ("Âge maximum", "السن الأقصى"),
    "disability_accepted": ("Accueille les enfants en situation de handicap",
                            "يستقبل الأطفال في وضعية إعاقة"),
    "emergency_24_7": ("Ouvert 24h/24, 7j/7", "مفتوح 24/24 ساعة، 7/7 أيام"),
    "documents_hint": ("Un document par ligne.", "وثيقة في كل سطر."),
    "area_codes": ("Territoires desservis", "المجالات الترابية المشمولة"),
    "area_codes_hint": ("Une province ou une commune par ligne : nom ou code HCP. Vide : la "
                        "zone est déduite.", "إقليم أو جماعة في كل سطر: الاسم أو رمز المندوبية "
                        "السامية للتخطيط. فارغ: تستنتج المنطقة."),
    "derived_area": ("Zone déduite ({rule}) : {areas}", "المنطقة المستنتجة ({rule}): {areas}"),
    "area_rule_provinces_of_sites": ("provinces de ses lieux d'accueil",
                                     "أقاليم أماكن الاستقبال"),
    "area_rule_police_urban": ("communes urbaines des provinces de ses lieux",
                               "الجماعات الحضرية لأقاليم أماكنها"),
    "area_rule_gendarmerie_rural": ("communes rurales des provinces de ses lieux",
                                    "الجماعات القروية لأقاليم أماكنها"),
    "area_rule_ressort": ("ressort des tribunaux qui en relèvent",
                          "دائرة نفوذ المحاكم التابعة لها"),
    "no_area": ("aucune : le service n'a pas de lieu", "لا شيء: ليس للخدمة أي مكان"),
    "receives_children": ("Reçoit des enfants orientés", "يستقبل الأطفال الموجهين"),
    "by_type": ("Selon le type de service ({value})", "حسب نوع الخدمة ({value})"),
    "yes": ("Oui", "نعم"),
    "no": ("Non", "لا"),
    "lat": ("Latitude", "خط العرض"),
    "lon": ("Longitude", "خط الطول"),
    "confidential_hint": ("Lieu confidentiel (foyer d'accueil) : le public ne voit que la commune.",
                          "مكان سري (مركز إيواء): لا يرى العموم إلا الجماعة."),
    "no_org": ("Aucune organisation n'est rattachée à votre compte.",
               "لا توجد أي مؤسسة مرتبطة بحسابك."),
    # coordination
    "coordination_of": ("Coordination — {province}", "التنسيق — {province}"),
    "choose_province": ("Choisir une province", "اختر إقليما"),
    "show": ("Afficher", "عرض"),
    "filters_of": ("Filtres : {what}", "التصفية: {what}"),
    "to_review": ("Modifications à vérifier ({n})", "تعديلات يجب التحقق منها ({n})"),
    "stale": ("Fiches non vérifiées depuis 12 mois ({n})",
              "بطاقات لم يتم التحقق منها منذ 12 شهرا ({n})"),
    "nothing_to_review": ("Aucune modification en attente.", "لا توجد تعديلات في الانتظار."),
    "nothing_stale": ("Toutes les fiches ont été vérifiées depuis moins de 12 mois.",
                      "تم التحقق من جميع البطاقات منذ أقل من 12 شهرا."),
    "never_verified": ("jamais vérifiée", "لم يتم التحقق منها أبدا"),
    "review": ("Examiner", "فحص"),
    "review_title": ("Vérifier une modification", "التحقق من تعديل"),
    "field": ("Champ", "الحقل"),
    "before": ("Avant", "قبل"),
    "after": ("Après", "بعد"),
    "unchanged": ("Champs inchangés ({n})", "حقول دون تغيير ({n})"),
    "new_entry": ("Nouvelle fiche", "بطاقة جديدة"),
    "verify": ("Marquer comme vérifié", "التأشير كمتحقق منه"),
    "verified_flash": ("Fiche vérifiée.", "تم التحقق من البطاقة."),
    "review_conflict": ("Cette fiche a été modifiée depuis que vous l'avez ouverte : rien n'a "
                        "été vérifié. Relisez la nouvelle version ci-dessous.",
                        "تم تعديل هذه البطاقة منذ فتحها: لم يتم التحقق من أي شيء. "
                        "راجع النسخة الجديدة أدناه."),
    "bulk_verified": ("{n} fiche(s) vérifiée(s) ; {left} laissée(s) : modifiée(s) entre-temps "
                      "ou hors de votre province.", "تم التحقق من {n} بطاقة؛ وبقيت {left}: "
                      "عدلت في الأثناء أو خارج إقليمك."),
    "verify_selected": ("Marquer la sélection comme vérifiée", "التأشير على المحدد كمتحقق منه"),
    "select_entry": ("Sélectionner {name}", "تحديد {name}"),
    "select_all": ("Tout sélectionner", "تحديد الكل"),
    "changed_fields": ("champs : {fields}", "الحقول: {fields}"),
    "action_create": ("création", "إنشاء"),
    "action_update": ("modification", "تعديل"),
    "action_verify": ("vérification", "تحقق"),
    "action_delete": ("suppression", "حذف"),
    "action_request_correction": ("correction demandée", "طلب تصحيح"),
    "history": ("Historique", "السجل"),
    "request_correction": ("Demander une correction", "طلب تصحيح"),
    "request_correction_intro": ("Renvoyer la fiche à son organisation avec un message : elle "
                                 "le voit sur « Mon organisation » jusqu'à ce qu'elle modifie "
                                 "la fiche ou que vous la vérifiiez.",
                                 "إرجاع البطاقة إلى مؤسستها مع رسالة: تراها في « مؤسستي » إلى "
                                 "أن تعدل البطاقة أو تتحقق منها."),
    "message": ("Ce qu'il faut corriger dans la fiche", "ما يجب تصحيحه في البطاقة"),
    "message_hint": ("Visible par l'organisation. Parlez de la fiche, jamais d'un enfant. "
                     "500 caractères au plus.",
                     "تراها المؤسسة. تحدث عن البطاقة، وليس عن أي طفل أبدا. 500 حرف على الأكثر."),
    "send_correction": ("Envoyer la demande", "إرسال الطلب"),
    "correction_sent": ("Demande de correction envoyée à l'organisation.",
                        "تم إرسال طلب التصحيح إلى المؤسسة."),
    "correction_open": ("Correction demandée le {date} par {actor} :",
                        "طُلب تصحيح في {date} من طرف {actor}:"),
    "correction_pending": ("correction demandée", "تصحيح مطلوب"),
    "correction_to_do": ("Correction demandée par la coordination le {date} :",
                         "طلبت التنسيقية تصحيحا في {date}:"),
    "coverage": ("Couverture de la province", "تغطية الإقليم"),
    "coverage_intro": ("Enfants de 0 à 17 ans (estimation RGPH 2024) selon la distance au "
                       "service le plus proche.", "الأطفال من 0 إلى 17 سنة (تقدير إحصاء 2024) "
                       "حسب المسافة إلى أقرب خدمة."),
    "providers": ("Services dans la province", "الخدمات في الإقليم"),
    "children": ("Enfants", "الأطفال"),
    "within_10": ("≤ 10 km", "≤ 10 كلم"),
    "within_30": ("≤ 30 km", "≤ 30 كلم"),
    "within_60": ("≤ 60 km", "≤ 60 كلم"),
    "beyond_30": ("> 30 km", "> 30 كلم"),
    "missing_stages": ("Étapes sans aucun service dans la province : {stages}",
                       "مراحل بدون أي خدمة في الإقليم: {stages}"),
    "gaps_map": ("Carte des manques", "خريطة النواقص"),
    "action_plan": ("Projet de plan d'action provincial", "مشروع خطة العمل الإقليمية"),
    "download_md": ("Télécharger (Markdown)", "تحميل (Markdown)"),
    "download_csv": ("Télécharger (CSV, tableur)", "تحميل (CSV)"),
    "download_docx": ("Télécharger (Word, .docx)", "تحميل (ملف وورد ‎.docx)"),
    "download_xlsx": ("Télécharger (Excel, .xlsx)", "تحميل (جدول إكسل ‎.xlsx)"),
    "open_map": ("Ouvrir la carte en plein écran", "فتح الخريطة في شاشة كاملة"),
    "show_map": ("Afficher la carte", "عرض الخريطة"),
    "annuaire_map": ("Voir l'annuaire sur la carte", "عرض الدليل على الخريطة"),
    "org_kind": ("Type d'organisation", "نوع المؤسسة"),
    "parent_id": ("Organisation de rattachement", "المؤسسة الأم"),
    "body_id": ("Instance de coordination", "هيئة التنسيق"),
    "role": ("Rôle", "الدور"),
    "function": ("Fonction", "الوظيفة"),
    "person_name": ("Nom de la personne", "اسم الشخص"),
    "identifiers": ("Identifiants", "المعرفات"),
    "coordinates_precision": ("Précision de la position", "دقة الموقع"),
    "link_kind": ("Nature du lien", "طبيعة الرابط"),
    "typical_delay_hours": ("Délai habituel (heures)", "المدة المعتادة (بالساعات)"),
    "kind_organization": ("Organisation", "مؤسسة"),
    "kind_site": ("Lieu", "مكان"),
    "kind_service": ("Service", "خدمة"),
    "kind_contact": ("Contact", "مخاطب"),
    "kind_referral_link": ("Lien d'orientation", "رابط توجيه"),
    "kind_membership": ("Appartenance", "عضوية"),
    # referrals (issue 13)
    "orientations": ("Orientations", "التوجيهات"),
    "send_referral": ("Envoyer l'orientation", "إرسال التوجيه"),
    "send_from": ("Depuis notre service", "من خدمتنا"),
    "referral_sent": ("Orientation envoyée : imprimez la fiche et remettez-la.",
                      "تم إرسال التوجيه: اطبع البطاقة وسلمها."),
    "referral_code": ("Code d'orientation", "رمز التوجيه"),
    "code_box": ("J'ai reçu un enfant avec le code…", "استقبلت طفلا يحمل الرمز…"),
    "open_code": ("Ouvrir", "فتح"),
    "incoming": ("Reçues par mon organisation", "الواردة إلى مؤسستي"),
    "outgoing": ("Envoyées par mon organisation", "المرسلة من مؤسستي"),
    "province_incoming": ("Reçues dans la province", "الواردة إلى الإقليم"),
    "province_outgoing": ("Envoyées depuis la province", "المرسلة من الإقليم"),
    "no_referrals": ("Aucune orientation.", "لا توجد توجيهات."),
    "referral_title": ("Orientation {code}", "التوجيه {code}"),
    "referral_status": ("Statut", "الحالة"),
    "reason": ("Motif", "السبب"),
    "age_band": ("Tranche d'âge", "الفئة العمرية"),
    "urgency": ("Urgence", "الاستعجال"),
    "urgent_yes": ("Urgent", "مستعجل"),
    "urgent_no": ("Non urgent", "غير مستعجل"),
    "sent_at": ("Envoyée le", "أرسلت في"),
    "deadline": ("Réponse attendue avant", "الرد منتظر قبل"),
    "from_service": ("Service qui oriente", "الخدمة الموجِّهة"),
    "to_service": ("Service qui reçoit", "الخدمة المستقبِلة"),
    "act_received": ("Accuser réception", "تأكيد الاستلام"),
    "act_accepted": ("Accepter", "قبول"),
    "act_declined": ("Refuser", "رفض"),
    "act_in_progress": ("Commencer la prise en charge", "بدء التكفل"),
    "act_completed": ("Clore : prise en charge terminée", "إغلاق: تم التكفل"),
    "act_not_completed": ("Clore : non aboutie", "إغلاق: لم يتم التكفل"),
    "act_cancelled": ("Annuler l'orientation", "إلغاء التوجيه"),
    "referral_updated": ("Orientation mise à jour.", "تم تحديث التوجيه."),
    "print_fiche": ("Fiche de liaison", "بطاقة الربط"),
    "fiche_title": ("Fiche de liaison — orientation d'un enfant",
                    "بطاقة الربط — توجيه طفل"),
    "fiche_paper_only": ("À remplir à la main : ces informations restent sur papier.",
                         "تملأ باليد: تبقى هذه المعلومات على الورق فقط."),
    "fiche_child": ("Nom et prénom de l'enfant", "اسم الطفل ونسبه"),
    "fiche_birth": ("Date de naissance", "تاريخ الازدياد"),
    "fiche_guardian": ("Représentant légal / tuteur et téléphone",
                       "النائب الشرعي / الكافل والهاتف"),
    "fiche_pv": ("Référence PV / parquet", "مرجع المحضر / النيابة العامة"),
    "fiche_consent": ("Consentement du représentant légal ou de l'enfant",
                      "موافقة النائب الشرعي أو الطفل"),
    "fiche_signature": ("Nom, fonction et signature de l'intervenant·e",
                        "اسم وصفة وتوقيع المتدخل(ة)"),
    "fiche_motif": ("Motif", "سبب التوجيه"),
    "fiche_return": ("Coupon-réponse — à renvoyer au service qui oriente",
                     "قسيمة الرد — تعاد إلى الخدمة الموجِّهة"),
    "fiche_return_answer": ("☐ Reçu le ……  ☐ Accepté  ☐ Refusé (motif) ……  ☐ Prise en charge "
                            "terminée le ……", "☐ استلم في ……  ☐ مقبول  ☐ مرفوض (السبب) ……  "
                            "☐ تم التكفل في ……"),
    "fiche_qr": ("Scanner pour ouvrir l'orientation (professionnels connectés)",
                 "امسح لفتح التوجيه (للمهنيين المتصلين)"),
    "overdue_referrals": ("Orientations sans réponse après l'échéance ({n})",
                          "توجيهات دون رد بعد الأجل ({n})"),
    "referral_indicators": ("Indicateurs des orientations", "مؤشرات التوجيه"),
    "ind_sent": ("Envoyées", "مرسلة"),
    "ind_received": ("Reçues", "مستلمة"),
    "ind_accepted": ("Acceptées", "مقبولة"),
    "ind_declined": ("Refusées", "مرفوضة"),
    "ind_completed": ("Terminées", "منتهية"),
    "ind_not_completed": ("Non abouties", "لم تكتمل"),
    "ind_cancelled": ("Annulées", "ملغاة"),
    "ind_expired": ("Expirées", "منتهية الأجل"),
    "ind_acceptance_rate": ("Taux d'acceptation", "نسبة القبول"),
    "ind_closure_rate": ("Taux de boucle fermée", "نسبة إغلاق الحلقة"),
    "ind_median_hours_to_answer": ("Délai médian de réponse (heures)",
                                   "المدة الوسيطة للرد (بالساعات)"),
    "where_lost": ("Où les enfants se perdent", "أين يضيع الأطفال"),
    "by_link": ("Par lien du circuit", "حسب رابط المسار"),
    "declines_by_reason": ("Refus par motif", "الرفض حسب السبب"),
}
"""Key → (French, Arabic). Placeholders are filled with ``str.format``."""

FIELD_LABELS: dict[str, str] = {"type": "service_type", "commune_code": "commune_filter",
                                "province_code": "province", "site_ids": "sites",
                                "from_service_id": "from_service", "to_service_id": "to_service",
                                "service_id": "kind_service",
                                "organization_id": "kind_organization"}
"""Form inputs whose label key is not their own name (the others are labelled by their name)."""
_ROWS: dict[str, tuple[str, str]] = {"channels": ("channel_n", "channel_{}"),
                                     "hours": ("hours_n", "{}")}
"""Repeated rows: the row's label key and the pattern of its inputs' label keys."""
_ROW_FIELD = re.compile(r"^(\w+)\[(\d+)\]\.(\w+)$")


@dataclass(frozen=True, slots=True)
class Lang:
    """The language of one page: its code, direction and the function templates call."""

    code: str

    @property
    def dir(self) -> str:
        return "rtl" if self.code == "ar" else "ltr"

    @property
    def other(self) -> str:
        return "fr" if self.code == "ar" else "ar"

    def t(self, key: str, **values: object) -> str:
        """The label ``key`` in this language, placeholders filled; a value already HTML
        (:func:`num`, :func:`ltr`) stays HTML, so the label comes back as HTML too."""
        fr, ar = LABELS[key]
        text = ar if self.code == "ar" else fr
        if any(isinstance(v, Markup) for v in values.values()):
            return escape(text).format(**values)
        return text.format(**values) if values else text

    def term(self, vocabulary: str, code: str) -> str:
        return term(vocabulary, code, self.code)

    def say(self, text: str) -> str:
        """A generated text (:class:`~graph_service.domain.messages.Message`) in this
        language; data (a name, a note) as given."""
        return say(text, self.code)

    def name(self, entry: object) -> str:
        """The name of an entry, a territory or a plan's service in this language: the Arabic
        name on Arabic pages when there is one, else the name as given."""
        arabic = getattr(entry, "name_ar", "") if self.code == "ar" else ""
        return str(arabic or getattr(entry, "name", None) or getattr(entry, "name_fr", ""))

    def field(self, name: str, kind: str = "") -> str:
        """The label of the input ``name`` (``channels[1].value`` → "Moyen de contact 2 —
        Numéro ou adresse"), so that an error names the field as the form shows it;
        an input with no label is named as is. A channel's value whose ``kind`` is known is
        named by it: « Téléphone (moyen de contact 2) »."""
        row = _ROW_FIELD.match(name)
        if row and row.group(1) == "channels" and row.group(3) == "value" and kind:
            return self.t("channel_of", kind=self.term("channel_kind", kind),
                          n=int(row.group(2)) + 1)
        if row and row.group(1) in _ROWS:
            row_key, input_key = _ROWS[row.group(1)]
            inner = input_key.format(row.group(3))
            return f"{self.t(row_key, n=int(row.group(2)) + 1)} — " + \
                (self.t(inner) if inner in LABELS else row.group(3))
        key = FIELD_LABELS.get(name, name)
        return self.t(key) if key in LABELS else name


def num(value: int | float | str) -> Markup:
    """A number isolated left to right, thousands split by a narrow no-break space
    (« 266 559 »), so that a right-to-left page neither reorders nor breaks it."""
    text = thousands(value) if isinstance(value, int) else str(value)
    return ltr(text)


def ltr(text: object) -> Markup:
    """A code, a phone number or a Latin name inside any page: a left-to-right isolate."""
    return Markup('<bdi dir="ltr">{}</bdi>').format(escape(str(text)))


def term(vocabulary: str, code: str, lang: str) -> str:
    """The label of a taxonomy code (``term("stage", "urgence", "ar")``); unknown codes as is."""
    found = VOCABULARIES[vocabulary].get(code)
    if found is None:
        return code
    return found.ar if lang == "ar" else found.fr


def lang_of(value: object) -> Lang:
    """The page language for a stored preference; French unless Arabic was chosen."""
    return Lang("ar" if value == "ar" else "fr")
