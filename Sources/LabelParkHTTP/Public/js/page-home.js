// Home: the person's organizations and the projects they may see, with progress for the projects they manage.

import { loadTranslations, t } from "/static/js/i18n.js";
import { api } from "/static/js/api.js";
import {
  el,
  clear,
  formatCount,
  progressBars,
  forEachLimited,
  showError,
  showStatus,
  canCreateProjectsIn,
  translatedOr,
} from "/static/js/pages-dom.js";

const statusNode = document.getElementById("home-status");
const projectsNode = document.getElementById("projects");
const newProjectLink = document.getElementById("new-project");
/** Roles that review annotations (the server decides; this only chooses which links to offer). */
const reviewingRoles = new Set(["reviewer", "manager", "admin"]);

/** The translated name of an organization kind or role, falling back to the raw value for new ones. */
function kindName(kind) {
  return translatedOr(`home.kind_${kind}`, String(kind));
}

function roleName(role) {
  return translatedOr(`home.role_${role}`, String(role));
}

/** One project's card; its progress is filled in later for managers. */
function projectCard(project) {
  const id = project.id;
  const link = el("a", { className: "project-link", attrs: { href: `/projects/${id}` } }, [
    el("span", { className: "project-name", text: project.name }),
  ]);
  const meta = el("p", {
    className: "project-meta",
    text: t("home.projectMeta", { overlap: formatCount(project.overlap), role: roleName(project.your_role) }),
  });
  const card = el(
    "li",
    {
      className: "project-card",
      attrs: { "data-testid": "project-card", "data-project-id": id, "aria-labelledby": `project-${id}-name` },
    },
    [el("h3", { className: "project-title", attrs: { id: `project-${id}-name` } }, [link]), meta],
  );
  if (project.description) {
    card.append(el("p", { className: "project-description", text: project.description }));
  }
  const progressSlot = el("div", { className: "progress-slot" });
  if (project.can_manage) {
    progressSlot.append(el("p", { className: "muted", text: t("home.progressLoading") }));
  }
  card.append(progressSlot);
  const actions = el("div", { className: "card-actions" }, [
    el("a", {
      className: "annotate-link button primary",
      text: t("home.annotate"),
      attrs: { href: `/projects/${id}/annotate`, "aria-describedby": `project-${id}-name` },
    }),
  ]);
  if (project.can_manage || reviewingRoles.has(project.your_role)) {
    actions.append(
      el("a", {
        className: "review-link button",
        text: t("home.review"),
        attrs: { href: `/projects/${id}/review`, "aria-describedby": `project-${id}-name` },
      }),
    );
  }
  card.append(actions);
  return { card, progressSlot };
}

/** Fetches and shows one managed project's progress in its card. */
async function fillProgress(project, progressSlot) {
  try {
    const { json } = await api("GET", `/api/v1/projects/${project.id}/progress`);
    clear(progressSlot);
    progressSlot.append(progressBars(json, `project-${project.id}-progress`));
    progressSlot.append(
      el("p", {
        className: "progress-summary muted",
        text: t("home.progressSummary", {
          tasks: formatCount(json.tasks),
          annotations: formatCount(json.annotations),
          late: formatCount(json.late_annotations),
        }),
      }),
    );
  } catch (error) {
    clear(progressSlot);
    // A person who may see the project but not its progress (an annotator) simply gets no bars.
    if (error?.status === 403) return;
    progressSlot.append(el("p", { className: "muted", text: t("home.progressUnavailable") }));
  }
}

/** One organization's section: its name, kind, the person's role there and the projects listed under it. */
function organizationSection(key, heading, subtitle, projects, emptyText) {
  const headingID = `org-${key}-heading`;
  const section = el("section", { className: "org-section", attrs: { "aria-labelledby": headingID } }, [
    el("h2", { text: heading, attrs: { id: headingID } }),
  ]);
  if (subtitle) section.append(el("p", { className: "org-meta muted", text: subtitle }));
  if (projects.length === 0) {
    if (emptyText) section.append(el("p", { className: "empty muted", text: emptyText }));
    return { section, cards: [] };
  }
  const list = el("ul", { className: "project-cards" });
  const cards = [];
  for (const project of projects) {
    const { card, progressSlot } = projectCard(project);
    list.append(card);
    cards.push({ project, progressSlot });
  }
  section.append(list);
  return { section, cards };
}

async function main() {
  await loadTranslations();
  let me;
  let projects;
  try {
    const [meAnswer, projectsAnswer] = await Promise.all([
      api("GET", "/api/v1/me"),
      api("GET", "/api/v1/projects"),
    ]);
    me = meAnswer.json;
    projects = projectsAnswer.json.projects ?? [];
  } catch (error) {
    showError(statusNode, error, "home.loadFailed");
    return;
  }

  const organizations = me.organizations ?? [];
  const mayCreate = organizations.some(canCreateProjectsIn);
  newProjectLink.hidden = !mayCreate;

  const ownIDs = new Set(organizations.map((organization) => organization.id));
  const granted = projects.filter((project) => !ownIDs.has(project.organization_id));
  const vendorOrganizations = organizations.filter((organization) => organization.kind === "vendor");
  // Granted projects go under the vendor organization when there is only one it can be.
  const grantedHome = vendorOrganizations.length === 1 ? vendorOrganizations[0].id : null;

  clear(projectsNode);
  const allCards = [];
  for (const organization of organizations) {
    const owned = projects.filter((project) => project.organization_id === organization.id);
    const shown = organization.id === grantedHome ? owned.concat(granted) : owned;
    const subtitle = organization.role
      ? t("home.organizationMeta", { kind: kindName(organization.kind), role: roleName(organization.role) })
      : kindName(organization.kind);
    const emptyText = canCreateProjectsIn(organization) ? t("home.noProjectsCreate") : t("home.noProjects");
    const { section, cards } = organizationSection(organization.id, organization.name, subtitle, shown, emptyText);
    projectsNode.append(section);
    allCards.push(...cards);
  }
  if (grantedHome === null && granted.length > 0) {
    const { section, cards } = organizationSection("granted", t("home.grantedHeading"), t("home.grantedMeta"), granted, null);
    projectsNode.append(section);
    allCards.push(...cards);
  }
  if (organizations.length === 0 && projects.length === 0) {
    projectsNode.append(el("p", { className: "empty muted", text: t("home.noOrganizations") }));
  }

  showStatus(statusNode, t("home.loaded", { count: formatCount(projects.length) }), "ready");

  const managed = allCards.filter(({ project }) => project.can_manage);
  await forEachLimited(managed, 4, ({ project, progressSlot }) => fillProgress(project, progressSlot));
}

main();
