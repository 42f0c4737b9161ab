"""The texts the service generates (reasons, stage notes, gaps, errors), by code, FR and AR.

A plan's reasons or an input error are written once, here, and carried as a
:class:`Message`: a code and its values. A ``Message`` *is* its French text
(a ``str``), so the JSON of ``route --json``, the CLI, GraphQL and logs read as
they always did; a page calls :meth:`Message.say` with its language and gets
the Arabic text on an Arabic page. The values keep their own language too:
a vocabulary term or a place is a :class:`Bilingual` (its French and Arabic
names), a number is written with Latin digits, a service's name is data and
stays as given. A code missing from :data:`MESSAGES` fails loudly
(``KeyError``) when the message is made, never later on a page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the vocabularies' errors are Messages: no import cycle at run time
    from .taxonomy import Term

__all__ = ["ITEMS_SEPARATOR", "LABEL_SEPARATOR", "LIST_SEPARATOR", "MESSAGES", "Bilingual", "Items",
           "Message", "say", "termed"]

MESSAGES: dict[str, tuple[str, str]] = {
    # why a stage applies or is skipped (orientation/rules.py)
    "stage_detection": ("réception de la plainte ou du signalement", "تلقي الشكاية أو التبليغ"),
    "stage_urgence": ("urgence médicale ou sociale signalée",
                      "حالة استعجال طبية أو اجتماعية مبلغ عنها"),
    "skip_urgence": ("pas d'urgence médicale ou sociale signalée",
                     "لا توجد حالة استعجال طبية أو اجتماعية مبلغ عنها"),
    "stage_signalement": ("signalement judiciaire requis", "التبليغ القضائي مطلوب"),
    "skip_signalement": ("pas de signalement judiciaire requis pour cette situation",
                         "لا يتطلب هذا الوضع تبليغا قضائيا"),
    "stage_evaluation": ("évaluation de la situation de l'enfant et de la famille",
                         "تقييم وضعية الطفل والأسرة"),
    "stage_prise_en_charge": ("accompagnement et prise en charge", "المواكبة والتكفل"),
    "stage_reinsertion": ("réinsertion familiale, scolaire ou sociale",
                          "الإدماج الأسري أو المدرسي أو الاجتماعي"),
    "skip_reinsertion": ("pas de rupture familiale, scolaire ou sociale à réparer",
                         "لا توجد قطيعة أسرية أو مدرسية أو اجتماعية يجب إصلاحها"),
    "stage_suivi": ("suivi de la situation de l'enfant", "تتبع وضعية الطفل"),
    "applies_for": ("{why} : {situations}", "{why}: {situations}"),
    "skipped_for": ("{why} ({situations})", "{why} ({situations})"),
    # why a service is proposed or refused (domain/eligibility.py)
    "status_refused": ("statut : {status}", "الوضع: {status}"),
    "age_from": ("à partir de {age} ans", "ابتداء من {age} سنة"),
    "age_until": ("jusqu'à {age} ans", "إلى غاية {age} سنة"),
    "age_range": ("{low}–{high} ans", "{low}–{high} سنة"),
    "age_accepted": ("âge accepté ({ages})", "السن مقبول ({ages})"),
    "sex_reserved": ("réservé aux {sex}s", "خاص بـ: {sex}"),
    "situation_refused": ("ne prend pas en charge cette situation", "لا يتكفل بهذه الوضعية"),
    "situations_matched": ("prend en charge : {situations}", "يتكفل بـ: {situations}"),
    "situations_unstated": ("situations prises en charge non précisées dans l'annuaire",
                            "الوضعيات المتكفل بها غير محددة في الدليل"),
    "disability_welcome": ("accueille les enfants en situation de handicap",
                           "يستقبل الأطفال في وضعية إعاقة"),
    "speaks": ("parle {language}", "يتحدث {language}"),
    "open_247": ("ouvert 24h/24, 7j/7", "مفتوح 24/24 ساعة، 7/7 أيام"),
    # why this service (orientation/present.py)
    "no_link_from": ("pas de lien d'orientation établi depuis « {source} »",
                     "لا يوجد رابط توجيه قائم انطلاقا من «{source}»"),
    "link_from": ("lien d'orientation établi depuis « {source} » ({kind})",
                  "رابط توجيه قائم انطلاقا من «{source}» ({kind})"),
    "link_from_via": ("lien d'orientation établi depuis « {source} » via « {via} » ({kind})",
                      "رابط توجيه قائم انطلاقا من «{source}» عبر «{via}» ({kind})"),
    "link_delay": ("{kind}, délai habituel {hours} h", "{kind}، المدة المعتادة {hours} ساعة"),
    "at_km": ("à {km} km", "على بعد {km} كلم"),
    "at_km_nearest": ("à {km} km, le plus proche des services éligibles",
                      "على بعد {km} كلم، الأقرب من بين الخدمات المؤهلة"),
    "out_of_area": ("hors zone : son aire d'intervention ne couvre pas {where} (aucun service "
                    "éligible de la zone)", "خارج المنطقة: مجال تدخله لا يشمل {where} (لا توجد "
                    "خدمة مؤهلة في المنطقة)"),
    "competent_here": ("territorialement compétent pour le lieu de l'enfant",
                       "مختص ترابيا بمكان وجود الطفل"),
    "already_proposed": ("déjà proposé pour l'étape « {stage} »",
                         "سبق اقتراحه لمرحلة «{stage}»"),
    # why a stage has no service of the child's area (orientation/route.py)
    "the_commune": ("la commune de {name}", "جماعة {name}"),
    "the_province": ("la province de {name}", "إقليم {name}"),
    "refused_count": ("{why} ({n})", "{why} ({n})"),
    "none_covers": ("aucun service de cette étape ne couvre {where}",
                    "لا توجد أي خدمة لهذه المرحلة تشمل {where}"),
    "none_eligible_covers": ("aucun service éligible ne couvre {where} : services écartés — "
                             "{refusals}", "لا توجد أي خدمة مؤهلة تشمل {where}: الخدمات "
                             "المستبعدة — {refusals}"),
    "competent_missing": ("service compétent non recensé dans l'annuaire : {institution}",
                          "الخدمة المختصة غير مدرجة في الدليل: {institution}"),
    "out_of_area_proposed": ("aucun service éligible ne couvre {where} : services hors zone à "
                             "moins de {km} km proposés", "لا توجد أي خدمة مؤهلة تشمل {where}: "
                             "اقتراح خدمات خارج المنطقة على أقل من {km} كلم"),
    "nearest_for_information": ("aucun service éligible à moins de {km} km : le plus proche est "
                                "donné pour information, pas comme recommandation",
                                "لا توجد أي خدمة مؤهلة على أقل من {km} كلم: تذكر الأقرب للعلم "
                                "فقط، وليس كتوصية"),
    "none_anywhere": ("aucun service éligible dans l'annuaire",
                      "لا توجد أي خدمة مؤهلة في الدليل"),
    # errors of the orientation question (orientation/request.py, domain/eligibility.py,
    # maps/params.py)
    "situation_required": ("au moins une situation est obligatoire",
                           "يجب اختيار وضعية واحدة على الأقل"),
    "age_not_child": ("{age} est hors de 0–17 ans (un enfant ; exemple : 12)",
                      "{age} خارج المجال 0–17 سنة (طفل؛ مثال: 12)"),
    "sex_unknown": ("sexe inconnu « {value} » ; F ou M attendu",
                    "جنس غير معروف «{value}»؛ المنتظر F أو M"),
    "one_place": ("indiquez une commune, ou une province, ou une latitude et une longitude "
                  "(une seule des trois)", "أدخل جماعة أو إقليما أو خط عرض وخط طول (واحدا "
                  "فقط من الثلاثة)"),
    "empty": ("est vide", "فارغ"),
    "lat_lon_together": ("la latitude et la longitude vont ensemble",
                         "خط العرض وخط الطول يجب إدخالهما معا"),
    "outside_morocco": ("{value} est hors du Maroc ({low} à {high})",
                        "{value} خارج المغرب (من {low} إلى {high})"),
    "not_positive_km": ("{value} n'est pas une distance positive (exemple : 30)",
                        "{value} ليست مسافة موجبة (مثال: 30)"),
    "outside_range": ("{value} est hors de {low}–{high}", "{value} خارج المجال {low}–{high}"),
    "province_no_point": ("{province} ({code}) n'a pas de point sur la carte ; indiquez une de "
                          "ses communes", "ليست لـ{province} ({code}) أي نقطة على الخريطة؛ أدخل "
                          "إحدى جماعاته"),
    "no_commune_known": ("aucune commune connue ne permet de situer ce point",
                         "لا توجد أي جماعة معروفة لتحديد موقع هذه النقطة"),
    "ambiguous_commune": ("« {value} » désigne plusieurs communes : {names} ; choisissez-en une "
                          "dans la liste", "«{value}» يطابق عدة جماعات: {names}؛ اختر واحدة من "
                          "القائمة"),
    "unknown_commune": ("aucune commune ne correspond à « {value} » ; écrivez son nom en "
                        "français ou en arabe (exemple : Salé)",
                        "لا توجد أي جماعة تطابق «{value}»؛ اكتب اسمها بالفرنسية أو بالعربية "
                        "(مثال: سلا)"),
    "unknown_commune_close": ("aucune commune ne correspond à « {value} » ; vouliez-vous dire : "
                              "{names} ?", "لا توجد أي جماعة تطابق «{value}»؛ هل تقصد: {names}؟"),
    "ambiguous_province": ("« {value} » désigne plusieurs provinces : {names} ; choisissez-en une",
                           "«{value}» يطابق عدة أقاليم: {names}؛ اختر واحدا"),
    "unknown_province": ("aucune province ne correspond à « {value} » (exemple : Kénitra)",
                         "لا يوجد أي إقليم يطابق «{value}» (مثال: القنيطرة)"),
    "unknown_province_close": ("aucune province ne correspond à « {value} » ; vouliez-vous "
                               "dire : {names} ?",
                               "لا يوجد أي إقليم يطابق «{value}»؛ هل تقصد: {names}؟"),
    "ambiguous_region": ("« {value} » désigne plusieurs régions : {names} ; choisissez-en une",
                         "«{value}» يطابق عدة جهات: {names}؛ اختر واحدة"),
    "unknown_region": ("aucune région ne correspond à « {value} » (exemple : Rabat-Salé-Kénitra)",
                       "لا توجد أي جهة تطابق «{value}» (مثال: الرباط سلا القنيطرة)"),
    "unknown_region_close": ("aucune région ne correspond à « {value} » ; vouliez-vous dire : "
                             "{names} ?", "لا توجد أي جهة تطابق «{value}»؛ هل تقصد: {names}؟"),
    "not_whole_number": ("« {value} » n'est pas un nombre entier (exemple : 12)",
                         "«{value}» ليس عددا صحيحا (مثال: 12)"),
    "not_number": ("« {value} » n'est pas un nombre (exemple : 30)",
                   "«{value}» ليس عددا (مثال: 30)"),
    "not_yes_no": ("« {value} » n'est ni oui ni non", "«{value}» ليس نعم ولا لا"),
    # errors of the referral form (web/referrals.py)
    # the provincial action plan's canvas (action_plan.py)
    "plan_priority": ("Détection, prise en charge et suivi des enfants victimes de violence, "
                      "abus, négligence et exploitation",
                      "رصد الأطفال ضحايا العنف والاعتداء والإهمال والاستغلال والتكفل بهم "
                      "وتتبعهم"),
    "plan_objective_complete": ("Compléter le circuit de prise en charge dans la province",
                                "استكمال مسار التكفل في الإقليم"),
    "plan_objective_closer": ("Rapprocher les services des enfants qui en sont éloignés",
                              "تقريب الخدمات من الأطفال البعيدين عنها"),
    "plan_objective_confirm": ("Confirmer les institutions publiques inscrites d'office à "
                               "l'annuaire", "تأكيد المؤسسات العمومية المسجلة تلقائيا في "
                               "الدليل"),
    "plan_set_up": ("Mettre en place l'étape « {stage} » dans la province (aucun prestataire "
                    "actif recensé ; {children} enfants de 0 à 17 ans)",
                    "إرساء مرحلة «{stage}» في الإقليم (لم يتم إحصاء أي مقدم خدمة نشط؛ {children} "
                    "طفل من 0 إلى 17 سنة)"),
    "plan_set_up_expected": ("Au moins un prestataire actif de l'étape « {stage} » dans la "
                             "province", "مقدم خدمة نشط واحد على الأقل لمرحلة «{stage}» في "
                             "الإقليم"),
    "plan_identify": ("Identifier les acteurs de la province qui peuvent assurer l'étape "
                      "« {stage} » (services extérieurs, associations) et les inscrire à "
                      "l'annuaire", "تحديد فاعلي الإقليم القادرين على ضمان مرحلة «{stage}» "
                      "(المصالح الخارجية، الجمعيات) وتسجيلهم في الدليل"),
    "plan_meanwhile": ("En attendant, formaliser l'orientation vers {provider} ({km} de "
                       "{commune}) par une convention", "في انتظار ذلك، إضفاء الطابع الرسمي على "
                       "التوجيه نحو {provider} ({km} من {commune}) عبر اتفاقية"),
    "plan_provider": ("« {service} »", "«{service}»"),
    "plan_provider_of": ("« {service} » ({organization})", "«{service}» ({organization})"),
    "plan_km": ("{km} km", "{km} كلم"),
    "plan_km_unknown": ("distance inconnue", "مسافة غير معروفة"),
    "plan_reduce": ("Réduire le nombre d'enfants à plus de {far} km de l'étape « {stage} » "
                    "({children} enfants, {share} % des enfants de la province)",
                    "تقليص عدد الأطفال على بعد أكثر من {far} كلم من مرحلة «{stage}» ({children} "
                    "طفل، {share}% من أطفال الإقليم)"),
    "plan_reduce_expected": ("Moins d'enfants à plus de {far} km de l'étape « {stage} » "
                             "(situation de départ : {children})",
                             "عدد أقل من الأطفال على بعد أكثر من {far} كلم من مرحلة «{stage}» "
                             "(الوضعية الأولية: {children})"),
    "plan_place": ("{commune} ({children} enfants, {km})", "{commune} ({children} طفل، {km})"),
    "plan_outreach": ("Organiser des permanences, une équipe mobile ou une antenne dans les "
                      "communes les plus concernées : {places}",
                      "تنظيم مداومات أو فريق متنقل أو ملحقة في الجماعات الأكثر تضررا: {places}"),
    "plan_transport": ("Organiser le transport et l'accompagnement des enfants et des familles "
                       "vers {provider}", "تنظيم نقل ومرافقة الأطفال والأسر نحو {provider}"),
    "plan_confirm": ("Confirmer les institutions de l'étape « {stage} » inscrites d'office à "
                     "l'annuaire ({n} entrée(s) de référence non vérifiée(s))",
                     "تأكيد مؤسسات مرحلة «{stage}» المسجلة تلقائيا في الدليل ({n} مدخل مرجعي "
                     "غير متحقق منه)"),
    "plan_confirm_expected": ("Les prestataires de l'étape « {stage} » recensés dans la "
                              "province sont confirmés (existence, adresse, contacts, horaires, "
                              "ressort) et vérifiés", "مقدمو خدمات مرحلة «{stage}» المحصون في "
                              "الإقليم مؤكدون (الوجود، العنوان، الاتصال، المواقيت، دائرة "
                              "النفوذ) ومتحقق منهم"),
    "plan_confirm_action": ("Confirmer auprès des institutions, compléter et marquer comme "
                            "vérifiées les entrées de référence : {entries}",
                            "التأكد لدى المؤسسات من المداخل المرجعية واستكمالها والتأشير عليها "
                            "كمتحقق منها: {entries}"),
    "plan_register": ("Recenser / confirmer {institution} et l'inscrire à l'annuaire : seule "
                      "l'autorité compétente pour la commune de l'enfant peut recevoir le "
                      "signalement, aucune autre juridiction ne peut s'y substituer",
                      "إحصاء / تأكيد {institution} وتسجيلها في الدليل: وحدها السلطة المختصة "
                      "بالنسبة لجماعة الطفل يمكنها تلقي التبليغ، ولا يمكن لأي جهة قضائية أخرى "
                      "أن تحل محلها"),
    "plan_register_for": ("{action} (aucun service compétent recensé pour : {communes})",
                          "{action} (لم يتم إحصاء أي خدمة مختصة بالنسبة لـ: {communes})"),
    "plan_commune_children": ("{commune} ({children} enfants)", "{commune} ({children} طفل)"),
    "plan_communes_more": ("{names} et {more} autre(s) commune(s)",
                           "{names} و{more} جماعة أخرى"),
    "age_years": ("doit être un nombre d'années (0 à 17)",
                  "يجب أن يكون عددا من السنوات (0 إلى 17)"),
}
"""Code → (French, Arabic). Placeholders are filled by :meth:`Message.say`."""

LIST_SEPARATOR = {"fr": ", ", "ar": "، "}
ITEMS_SEPARATOR = {"fr": " ; ", "ar": "؛ "}
LABEL_SEPARATOR = {"fr": " : ", "ar": ": "}
"""Between items, between items that hold commas, after a label: each language's punctuation."""


class Items(tuple[Any, ...]):
    """Values listed with the language's semicolon, not its comma: names that may hold a
    comma themselves (« Accueil, écoute et orientation sociale »)."""


@dataclass(frozen=True, slots=True)
class Bilingual:
    """A value with a name in each language: a vocabulary term, a territory, an institution."""

    fr: str
    ar: str

    def say(self, lang: str) -> str:
        return self.ar if lang == "ar" and self.ar else self.fr


class Message(str):
    """A generated text: its French form as the string, with its code and values kept so that
    a page can say it in Arabic (:meth:`say`).

    Equal messages are equal strings, so they count and sort as the French text does.
    """

    code: str
    values: Mapping[str, Any]

    def __new__(cls, code: str, /, **values: Any) -> Message:
        """The message ``code`` with ``values``: text as given (names), numbers already
        written as shown, :class:`Bilingual` terms, nested messages, or tuples of these
        (joined with the language's comma; :class:`Items` with its semicolon)."""
        text = super().__new__(cls, _fill(MESSAGES[code][0], values, "fr"))
        text.code = code
        text.values = values
        return text

    def say(self, lang: str) -> str:
        """This message in ``lang`` (``fr`` or ``ar``)."""
        return str(self) if lang != "ar" else _fill(MESSAGES[self.code][1], self.values, "ar")

    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuild, (self.code, dict(self.values))

    def __deepcopy__(self, memo: object) -> Message:
        return self  # immutable (``dataclasses.asdict`` deep-copies what it does not know)


def termed(term: Term) -> Bilingual:
    """A vocabulary term inside a sentence: its French label in lower case, its Arabic one."""
    return Bilingual(term.fr.lower(), term.ar)


def _rebuild(code: str, values: dict[str, Any]) -> Message:
    return Message(code, **values)


def say(text: str, lang: str) -> str:
    """Any text in ``lang``: a :class:`Message` is said in it, plain text (data) stays as is."""
    return text.say(lang) if isinstance(text, Message) else text


def _fill(template: str, values: Mapping[str, Any], lang: str) -> str:
    return template.format(**{k: _value(v, lang) for k, v in values.items()}) if values \
        else template


def _value(value: Any, lang: str) -> str:
    if isinstance(value, Message | Bilingual):
        return value.say(lang)
    if isinstance(value, tuple):
        separator = (ITEMS_SEPARATOR if isinstance(value, Items) else LIST_SEPARATOR)[lang]
        return separator.join(_value(v, lang) for v in value)
    return str(value)
