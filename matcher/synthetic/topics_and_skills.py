"""The project's own vocabulary for health and care improvement: topics and skills.

Topic and skill names were chosen with public lists in mind (the MeSH health care subset, ESCO
transversal and research skills) plus the improvement methods the community actually uses;
every description is our own. Both hierarchies are two levels deep: a family (no parent) and
its members (parent = the family's id). Ids are slugs of the names, so they stay stable as long
as a name does. Within a family, entries are listed most popular first; the synthetic
generator reads that order as popularity.
"""

from __future__ import annotations

import re

from models import Skill, Topic

__all__ = ["SKILLS", "TOPICS", "slug"]

_Family = tuple[str, str, tuple[tuple[str, str], ...]]

_TOPIC_FAMILIES: tuple[_Family, ...] = (
    ("Quality improvement", "Systematic, data-informed work by teams to make care better.", (
        ("Clinical audit", "Comparing care against agreed standards and acting on the gaps."),
        ("Improvement science", "Why improvement efforts succeed or fail in different settings."),
        ("Spread and scale-up", "Making a change that worked in one place work in many."),
        ("Reducing unwarranted variation", "Tackling differences in care not explained by need."),
        ("Sustaining improvement", "Keeping the gains once the project team moves on."),
        ("Clinical governance", "How organisations hold themselves to account for quality."),
        ("Quality indicators", "Measures used to judge and compare the quality of care."),
        ("Patient-reported outcome measures", "Patients rating their own health and results."),
        ("Benchmarking", "Comparing with similar services to find and learn from the best."),
    )),
    ("Patient safety", "Preventing avoidable harm to people receiving health or social care.", (
        ("Learning from incidents", "Turning incident reports and near misses into changes."),
        ("Safety culture", "How openly a team talks about risk and learns without blame."),
        ("Medication safety", "Fewer errors in prescribing, dispensing and giving medicines."),
        ("Deteriorating patients and sepsis", "Spotting and acting on a worsening patient fast."),
        ("Root cause analysis", "Looking past individual error to the conditions behind harm."),
        ("Infection prevention and control", "Stopping infections spreading in care settings."),
        ("Falls prevention", "Fewer falls, and fewer injuries from them, in care and at home."),
        ("Pressure ulcer prevention", "Keeping skin intact for people with limited mobility."),
        ("Diagnostic safety", "Reducing missed, wrong and delayed diagnoses."),
    )),
    ("Person-centred care", "Care organised around what matters to people and their carers.", (
        ("Co-production", "Staff, patients and communities designing services as equals."),
        ("Patient experience", "How people feel about their care, and how services listen."),
        ("Shared decision-making", "Choosing tests and treatments together with patients."),
        ("Patient and public involvement", "Patients' voices in decisions about services."),
        ("Personalised care and support planning", "Plans built on a person's own goals."),
        ("Carers' support", "Recognising the family and friends who provide unpaid care."),
        ("Health literacy", "Health information and services that are easy to understand."),
        ("Patient advocacy", "Speaking up for patients' rights and interests."),
    )),
    ("Health inequalities", "Unfair, avoidable differences in health between groups.", (
        ("Access to services", "Whether people can get the care they need, when they need it."),
        ("Prevention and health promotion", "Stopping illness early and helping people stay well."),
        ("Social determinants of health", "How housing, work and income shape health."),
        ("Population health management", "Linked data used to target support to local needs."),
        ("Inclusion health", "Care for socially excluded groups such as homeless people."),
        ("Community participation", "Local people shaping the health of their communities."),
        ("Culturally competent care", "Care that respects people's cultures and languages."),
        ("Anchor institutions", "Health bodies using their spending and jobs for local good."),
    )),
    ("Integrated care", "Health, social care and other services working as one around people.", (
        ("Patient flow", "Moving patients through a hospital or system without needless waits."),
        ("Urgent and emergency care", "Emergency departments, ambulances and same-day care."),
        ("Hospital discharge", "Getting people home or to their next place of care on time."),
        ("Care pathways", "Agreed sequences of care designed across boundaries."),
        ("Planned care and waiting lists", "Elective treatment and managing backlogs."),
        ("Virtual wards and hospital at home", "Acute-level care in the person's own home."),
        ("Social care", "Practical and personal support to help people live well."),
        ("Care homes", "Health and quality of life in residential and nursing homes."),
        ("Intersectoral collaboration", "Health working with housing, schools and charities."),
    )),
    ("Mental health", "Mental health services, wellbeing and their link with physical health.", (
        ("Community mental health services", "Mental health care close to where people live."),
        ("Children and young people's mental health", "Early help and care for the young."),
        ("Mental health crisis care", "Fast, compassionate help in a mental health emergency."),
        ("Dementia care", "Diagnosis and support that help people live well with dementia."),
        ("Learning disability and autism", "Reasonable adjustments and better outcomes."),
        ("Suicide prevention", "Recognising risk and reducing deaths by suicide."),
        ("Physical health in serious mental illness", "Closing the life-expectancy gap."),
    )),
    ("Primary and community care", "General practice and care delivered close to home.", (
        ("General practice access", "How patients get appointments and advice from their GP."),
        ("Long-term conditions", "Living well with diabetes, heart, lung and other conditions."),
        ("Multimorbidity and frailty", "Care for people with several conditions in older age."),
        ("End of life and palliative care", "Comfort, dignity and choice at the end of life."),
        ("Community nursing", "District nurses and community teams caring for people at home."),
        ("Social prescribing", "Linking people to community activities that support health."),
        ("Community pharmacy", "Pharmacies as a first stop for advice and minor illness."),
    )),
    ("Maternity and children's health", "Care for mothers, babies, children and families.", (
        ("Maternity safety", "Reducing stillbirths, neonatal deaths and harm in birth."),
        ("Child health", "Services for children from infancy to adolescence."),
        ("Perinatal mental health", "Mental health support before and after birth."),
        ("Neonatal care", "Specialist care for babies born early or unwell."),
        ("Transition to adult services", "Moving young people smoothly into adult care."),
    )),
    ("Workforce and culture", "The people who deliver care and the cultures they work in.", (
        ("Staff wellbeing", "Keeping staff healthy, supported and able to do their best."),
        ("Psychological safety", "Teams where people can speak up and admit mistakes."),
        ("Compassionate leadership", "Leading by understanding and helping the people you lead."),
        ("Organisational culture", "The shared habits and assumptions that shape behaviour."),
        ("Equality, diversity and inclusion", "Fair treatment for staff of every background."),
        ("Multidisciplinary teamwork", "Professions sharing responsibility around patients."),
        ("Leadership development", "Growing the capability of current and future leaders."),
        ("Workforce planning", "Matching the numbers and skills of staff to service needs."),
    )),
    ("Digital health and data", "Technology, information and data used to improve care.", (
        ("Digital transformation", "Redesigning services around digital tools."),
        ("Remote monitoring and telehealth", "Consultations and monitoring at a distance."),
        ("Artificial intelligence in healthcare", "Safe, fair and useful AI in care."),
        ("Health informatics", "Collecting, storing and using health information well."),
        ("Interoperability and shared records", "Systems that share what patients need shared."),
        ("Data sharing and governance", "Using data lawfully and safely, with public trust."),
        ("Digital inclusion", "Making sure digital services leave nobody behind."),
    )),
    ("Health policy and systems", "How health and care are organised, funded and regulated.", (
        ("Value and productivity", "The best outcomes from the money, staff and time available."),
        ("Health policy", "National decisions that shape health and care services."),
        ("Commissioning", "Planning and buying services to meet a population's needs."),
        ("Environmental sustainability", "Cutting the carbon footprint of care."),
        ("Regulation and inspection", "How regulators assess services and spur improvement."),
        ("Health system reform", "Large-scale changes to how services are structured."),
        ("Financial sustainability", "Balancing budgets while protecting quality."),
    )),
    ("Research and evaluation", "Generating and using evidence about what works in care.", (
        ("Evaluation of complex interventions", "Judging how multi-part changes work in practice."),
        ("Implementation science", "Getting evidence-based practice into routine care."),
        ("Evidence-based practice", "Decisions based on research, expertise and patient values."),
        ("Learning health systems", "Routine data and experience feeding continuous improvement."),
        ("Knowledge mobilisation", "Moving knowledge between research and practice both ways."),
        ("Health services research", "How organisation and funding of services affect outcomes."),
    )),
)

_SKILL_FAMILIES: tuple[_Family, ...] = (
    ("Quality improvement methods", "Structured ways to test and make changes in care.", (
        ("Plan-Do-Study-Act (PDSA) cycles", "Small, rapid tests of change, adapted each time."),
        ("Model for Improvement", "Three questions plus tests of change: the frame for QI work."),
        ("Process mapping", "Drawing each step of a process as it really happens."),
        ("Driver diagrams", "Linking an aim to the drivers and change ideas that reach it."),
        ("Lean thinking", "Removing waste and improving flow around what patients value."),
        ("Human factors", "Designing work and equipment around how people really perform."),
        ("Systems-based incident investigation", "Reviewing what happened and why, fairly."),
        ("Theory of change", "Setting out the causal chain from activities to outcomes."),
        ("Failure mode and effects analysis", "Designing out how a process could fail."),
        ("Value stream mapping", "Following a patient's journey end to end to see delays."),
        ("Six Sigma", "A data-driven cycle for reducing defects and variation."),
    )),
    ("Measurement and data analysis", "Using data to understand variation and show impact.", (
        ("Measurement for improvement", "Outcome, process and balancing measures for a change."),
        ("Statistical process control", "Control charts that separate signal from noise."),
        ("Data analysis", "Cleaning, summarising and interpreting quantitative data."),
        ("Run charts", "Data over time, with simple rules to spot non-random change."),
        ("Data visualisation", "Charts and dashboards that people can act on."),
        ("Statistics", "Applying statistical methods and judging uncertainty."),
        ("Demand and capacity modelling", "Matching capacity to patterns of demand."),
        ("Survey design", "Questionnaires and samples whose answers can be trusted."),
        ("Programming in R or Python", "Writing reproducible analysis code."),
        ("SQL and databases", "Querying and managing data in relational databases."),
        ("System dynamics modelling", "Simulating stocks, flows and feedback over time."),
    )),
    ("Research and evaluation methods", "Designing and running studies of services.", (
        ("Qualitative interviewing", "In-depth interviews that draw out experience and reasons."),
        ("Evaluation design", "Clear questions, methods and proportionate effort."),
        ("Thematic analysis", "Coding qualitative data and developing themes."),
        ("Mixed-methods research", "Combining numbers and narratives in one study."),
        ("Evidence synthesis", "Finding, appraising and combining published research."),
        ("Realist evaluation", "What works, for whom, in what circumstances and why."),
        ("Writing for publication", "Turning project work into papers, reports and blogs."),
        ("Focus groups", "Group discussions that explore shared views and differences."),
        ("Health economics", "Costs, benefits and value for money of interventions."),
        ("Research grant writing", "Competitive applications for research funding."),
        ("Ethnography", "Observing everyday practice to see how work gets done."),
    )),
    ("Facilitation and coaching", "Helping people and groups think, learn and act together.", (
        ("Facilitation", "Designing and running sessions where every voice counts."),
        ("Coaching", "Helping people find their own answers through questions."),
        ("Teaching and training", "Designing and delivering learning for adults in practice."),
        ("Mentoring", "Sharing experience to support someone's growth over time."),
        ("Action learning sets", "Small peer groups working on real problems by questioning."),
        ("Appreciative inquiry", "Building change from what already works well."),
        ("Large-group methods", "Open space, world café and other events for many people."),
        ("Conflict resolution", "Helping people with opposing views reach agreement."),
    )),
    ("Leadership and change", "Leading people and organisations through change.", (
        ("Project management", "Delivering projects to time, budget and scope."),
        ("Stakeholder engagement", "Finding who has a stake in a change and involving them."),
        ("Change management", "Leading the people side of organisational change."),
        ("Team leadership", "Building and leading effective teams day to day."),
        ("Systems leadership", "Leading across boundaries where nobody is in charge."),
        ("Network building", "Relationships that span teams and organisations."),
        ("Influencing and negotiation", "Reaching agreement without formal authority."),
        ("Strategic planning", "Setting direction and priorities for a service."),
        ("Programme management", "Coordinating related projects toward a shared goal."),
        ("Business case writing", "Making the financial and quality case for investment."),
    )),
    ("Co-design and engagement", "Designing services with the people who use and run them.", (
        ("Experience-based co-design", "Patients and staff redesigning a service together."),
        ("Patient and public engagement", "Recruiting and supporting patients as partners."),
        ("Co-production methods", "Practical techniques for sharing power with communities."),
        ("Community engagement", "Reaching communities that services rarely hear from."),
        ("Storytelling", "Using personal and patient stories to make the case for change."),
        ("Service design", "User research and prototyping of whole services."),
        ("Lived experience leadership", "Leading change from experience of illness or caring."),
    )),
    ("Communication and digital skills", "Getting messages across and using digital tools.", (
        ("Public speaking", "Presenting with confidence to audiences of any size."),
        ("Plain English writing", "Writing clearly for people without specialist knowledge."),
        ("Social media and campaigning", "Sharing work online and building support."),
        ("Policy writing", "Briefings and papers for decision-makers."),
        ("Clinical informatics", "Bringing clinical knowledge to information systems."),
        ("Digital collaboration tools", "Running work and meetings well online."),
    )),
)


def slug(name: str) -> str:
    """A name as a lowercase, hyphenated id: ``slug("Carers' support") == "carers-support"``."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower().replace("'", "")).strip("-")


def _terms(kind: type[Topic] | type[Skill], families: tuple[_Family, ...]) -> tuple:
    terms = []
    for name, description, children in families:
        terms.append(kind(id=slug(name), name=name, description=description))
        terms += [kind(id=slug(n), name=n, description=d, parent=slug(name)) for n, d in children]
    return tuple(terms)


TOPICS: tuple[Topic, ...] = _terms(Topic, _TOPIC_FAMILIES)
SKILLS: tuple[Skill, ...] = _terms(Skill, _SKILL_FAMILIES)
