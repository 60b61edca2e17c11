// The admin console: agents, teams, queues, reason codes, customers and users through the REST API. Admins edit;
// supervisors read (and do not see users).
import { api, requireSession, signOut } from './api';
import { agentsSection } from './admin/agents';
import { customersSection } from './admin/customers';
import { queuesSection } from './admin/queues';
import { reasonsSection } from './admin/reasons';
import { teamsSection } from './admin/teams';
import { QueueView, SectionContext, TeamView } from './admin/types';
import { usersSection } from './admin/users';
import { $ } from './ui';

const SECTIONS = ['agents', 'teams', 'queues', 'reasons', 'customers', 'users'] as const;
type Section = (typeof SECTIONS)[number];

function show(section: Section): void {
  for (const s of SECTIONS) {
    $(`section-${s}`).hidden = s !== section;
    $(`tab-${s}`).setAttribute('aria-current', s === section ? 'page' : 'false');
  }
}

function fromHash(): Section {
  const name = window.location.hash.replace('#', '');
  return (SECTIONS as readonly string[]).includes(name) ? (name as Section) : 'agents';
}

async function main(): Promise<void> {
  const session = await requireSession('supervisor');
  const canEdit = session.roles.includes('admin');
  document.body.dataset.mode = canEdit ? 'edit' : 'read';
  $('user-name').textContent = session.username;
  $('mode-badge').textContent = canEdit ? 'Admin' : 'Read-only';
  let queues: Promise<QueueView[]> | null = null;
  let teams: Promise<TeamView[]> | null = null;
  $('tab-users').hidden = !canEdit;
  const refreshers: Array<() => Promise<void>> = [];
  const ctx: SectionContext = {
    canEdit,
    queues: () => (queues ??= api<QueueView[]>('/api/v1/queues')),
    teams: () => (teams ??= api<TeamView[]>('/api/v1/teams')),
    // A new queue shows up in the agents' queue list, a renamed one everywhere.
    changed: () => {
      queues = null;
      teams = null;
      refreshers.forEach((r) => void r());
    },
  };
  refreshers.push(agentsSection($('section-agents'), ctx).refresh);
  refreshers.push(queuesSection($('section-queues'), ctx).refresh);
  refreshers.push(teamsSection($('section-teams'), ctx).refresh);
  if (canEdit) refreshers.push(usersSection($('section-users'), ctx).refresh);
  reasonsSection($('section-reasons'), ctx);
  customersSection($('section-customers'), ctx);
  window.addEventListener('hashchange', () => show(fromHash()));
  show(fromHash());
  $('logout-button').onclick = async () => {
    await signOut();
    window.location.replace('/index.html');
  };
  document.body.classList.add('ready');
}

void main();
