import { FIRST_NAMES, GROUP_AREAS, GROUP_SUFFIXES, GROUP_TEAMS, LAST_NAMES, SITES } from './names';
import { Prng } from './prng';

// The simulated instance's people and groups: a few fixed entries tests rely on, and a seeded,
// generated crowd around them so searches and paging behave like a real company's directory.

export const REST_ROLE = 'REST Web Service User';

export interface SimSite {
  id: string;
  name: string;
  timezone: string;
}

export interface SimDevice {
  id: string;
  name: string;
  deviceType: 'EMAIL' | 'TEXT_PHONE' | 'VOICE';
  address: string;
}

/** A temporary absence without a replacement: escalations skip the person meanwhile (E24). */
export interface SimAbsence {
  start: string;
  end: string;
}

export interface SimPerson {
  id: string;
  targetName: string;
  webLogin: string;
  firstName: string;
  lastName: string;
  status: 'ACTIVE' | 'INACTIVE';
  email: string;
  phone: string;
  site: SimSite;
  roles: string[];
  devices: SimDevice[];
  /** Only people who can sign in to the API have one. */
  password?: string;
  /** Whom this user may see in people and group lists: everyone, or nobody (E19). */
  directoryAccess: 'all' | 'none';
  absences: SimAbsence[];
  whenCreated: string;
}

/** One place in a shift's timeline: notified `delayMinutes` after the member before it (E24). */
export interface SimShiftMember {
  targetName: string;
  delayMinutes: number;
}

/**
 * A shift active for `hours` from `startHour` (UTC). Its members are notified in timeline order; with
 * `rotateEveryHours` the people move one place along the timeline at each turn, the delays stay.
 */
export interface SimShift {
  name: string;
  startHour: number;
  hours: number;
  members: SimShiftMember[];
  rotateEveryHours: number | null;
}

export interface SimGroup {
  id: string;
  targetName: string;
  description: string;
  status: 'ACTIVE' | 'INACTIVE';
  groupType: 'ON_CALL' | 'BROADCAST';
  /** targetNames of the members. */
  members: string[];
  /** None: the default shift, always active, every member at once (E24). */
  shifts: SimShift[];
  site: SimSite;
  created: string;
}

export interface DirectoryOptions {
  seed: number;
  people: number;
  groups: number;
}

export class Directory {
  readonly people: SimPerson[] = [];
  readonly groups: SimGroup[] = [];
  readonly sites: SimSite[];
  private readonly peopleByKey = new Map<string, SimPerson>();
  private readonly groupsByKey = new Map<string, SimGroup>();
  private readonly rng: Prng;

  constructor(options: DirectoryOptions) {
    this.rng = new Prng(options.seed);
    this.sites = SITES.map((site) => ({ id: this.rng.uuid(), ...site }));
    this.addFixedPeople();
    for (let i = 0; i < options.people; i++) this.addGeneratedPerson();
    this.addFixedGroups();
    for (let i = 0; i < options.groups; i++) this.addGeneratedGroup();
    // Last, so that the generated entries stay as they were before it existed.
    this.addStandbyGroup();
    this.people.sort(byTargetName);
    this.groups.sort(byTargetName);
  }

  /** By UUID or targetName (targetName is case-sensitive, as in xMatters). */
  person(key: string): SimPerson | undefined {
    return this.peopleByKey.get(key);
  }

  group(key: string): SimGroup | undefined {
    return this.groupsByKey.get(key);
  }

  /** The people a user may see in lists (E19). */
  visiblePeople(viewer: SimPerson): SimPerson[] {
    return viewer.directoryAccess === 'all' ? this.people : [];
  }

  visibleGroups(viewer: SimPerson): SimGroup[] {
    return viewer.directoryAccess === 'all' ? this.groups : [];
  }

  private addFixedPeople(): void {
    const defaultSite = this.sites[0] as SimSite;
    const always = [{ start: '2000-01-01T00:00:00.000Z', end: '2100-01-01T00:00:00.000Z' }];
    const fixed: Array<Partial<SimPerson> & Pick<SimPerson, 'targetName' | 'firstName' | 'lastName'>> = [
      { targetName: 'hipchat', firstName: 'Integration', lastName: 'User', roles: [REST_ROLE], password: 'hipchat-pass', devices: [] },
      { targetName: 'admin', firstName: 'Company', lastName: 'Admin', roles: [REST_ROLE, 'Company Supervisor', 'Developer'], password: 'admin-pass', devices: [] },
      { targetName: 'norole', firstName: 'Nora', lastName: 'Role', roles: ['Standard User'], password: 'norole-pass' },
      { targetName: 'noview', firstName: 'Nolan', lastName: 'View', roles: [REST_ROLE], password: 'noview-pass', devices: [], directoryAccess: 'none' },
      // The same address as his HipChat account (@bsmith): matched by e-mail.
      { targetName: 'bsmith', firstName: 'Bob', lastName: 'Smith', email: 'bsmith@acme.example' },
      { targetName: 'mmcbride', firstName: 'Mary', lastName: 'McBride' },
      { targetName: 'nodevices', firstName: 'Ned', lastName: 'Devereaux', devices: [] },
      // Known in HipChat by email only (her HipChat mention name is cjones): shows the email rule.
      { targetName: 'carol.jones', firstName: 'Carol', lastName: 'Jones', email: 'cjones@acme.example' },
      // A namesake: his user ID is HipChat's @dbrown (Dan Brown), but he is someone else.
      { targetName: 'dbrown', firstName: 'Daniel', lastName: 'Browning', email: 'daniel.browning@example.com' },
      { targetName: 'iinactive', firstName: 'Ian', lastName: 'Inactive', status: 'INACTIVE' },
      { targetName: 'aabsent', firstName: 'Abby', lastName: 'Absent', absences: always },
    ];
    for (const person of fixed) {
      const base = this.newPerson(person.firstName, person.lastName, person.targetName, defaultSite, person.email);
      this.addPerson({ ...base, ...person, webLogin: person.targetName });
    }
  }

  private addGeneratedPerson(): void {
    const firstName = this.rng.pick(FIRST_NAMES);
    const lastName = this.rng.pick(LAST_NAMES);
    const stem = `${firstName[0]}${lastName}`.toLowerCase();
    let targetName = stem;
    for (let n = 2; this.peopleByKey.has(targetName); n++) targetName = `${stem}${n}`;
    const person = this.newPerson(firstName, lastName, targetName, this.rng.pick(this.sites));
    if (this.rng.chance(0.1)) person.webLogin = `u${this.rng.uuid().slice(0, 7)}`;
    if (this.rng.chance(0.03)) person.status = 'INACTIVE';
    if (this.rng.chance(0.05)) person.devices = [];
    this.addPerson(person);
  }

  private newPerson(firstName: string, lastName: string, targetName: string, site: SimSite, fixedEmail?: string): SimPerson {
    const email = fixedEmail ?? `${firstName}.${lastName}${targetName.replace(/^\D+/, '')}@example.com`.toLowerCase();
    const phone = `+1555${this.rng.int(1000000, 9999999)}`;
    return {
      id: this.rng.uuid(),
      targetName,
      webLogin: targetName,
      firstName,
      lastName,
      status: 'ACTIVE',
      email,
      phone,
      site,
      roles: ['Standard User'],
      directoryAccess: 'all',
      absences: [],
      devices: [
        { id: this.rng.uuid(), name: 'Work Email', deviceType: 'EMAIL', address: email },
        { id: this.rng.uuid(), name: 'Mobile Phone', deviceType: 'TEXT_PHONE', address: phone },
      ],
      whenCreated: this.pastDate(),
    };
  }

  private addPerson(person: SimPerson): void {
    this.people.push(person);
    this.peopleByKey.set(person.id, person);
    this.peopleByKey.set(person.targetName, person);
  }

  private addFixedGroups(): void {
    const shift = (names: string[], delays: number[] = [], rotateEveryHours: number | null = null): SimShift[] => [
      { name: '24x7', startHour: 0, hours: 24, members: names.map((targetName, i) => ({ targetName, delayMinutes: delays[i] ?? 0 })), rotateEveryHours },
    ];
    const crowd = this.people.filter((p) => p.status === 'ACTIVE' && p.devices.length > 0 && !p.password);
    const someone = () => (crowd.length > 0 ? this.rng.pick(crowd).targetName : 'bsmith');
    const networkRotation = [someone(), someone()];
    const fixed: Array<Pick<SimGroup, 'targetName' | 'description' | 'members' | 'shifts'>> = [
      { targetName: 'Database', description: 'Primary database on-call', members: ['bsmith', 'mmcbride'], shifts: shift(['bsmith']) },
      {
        targetName: 'Database Admins',
        description: 'DBAs led by Mary McBride',
        members: ['mmcbride', 'bsmith', someone()],
        shifts: shift(['mmcbride']),
      },
      { targetName: 'Network', description: 'Network operations', members: [...networkRotation, someone()], shifts: shift(networkRotation, [0, 30], 168) },
      // Two escalation steps: Mary only when Bob has not accepted within 10 minutes.
      { targetName: 'Payments On-Call', description: 'Payments escalation', members: ['bsmith', 'mmcbride'], shifts: shift(['bsmith', 'mmcbride'], [0, 10]) },
      // Ian is inactive and Abby absent: both are skipped with the delays after them, Carol is notified at once.
      { targetName: 'Storage', description: 'Storage on-call', members: ['iinactive', 'aabsent', 'carol.jones'], shifts: shift(['iinactive', 'aabsent', 'carol.jones'], [0, 5, 10]) },
      // No shift: the default shift notifies every member at once.
      { targetName: 'Facilities', description: 'Building and power', members: ['bsmith', 'mmcbride'], shifts: [] },
    ];
    for (const group of fixed) this.addGroup({ ...this.newGroup(group.targetName, 'ON_CALL'), ...group });
  }

  /** `Standby`: a shift always active whose members are inactive or away, so nobody is on call in it. */
  private addStandbyGroup(): void {
    const members = ['iinactive', 'aabsent'];
    this.addGroup({
      ...this.newGroup('Standby', 'ON_CALL'),
      description: 'Nobody on call: its members are inactive or away',
      members,
      shifts: [{ name: '24x7', startHour: 0, hours: 24, members: members.map((targetName) => ({ targetName, delayMinutes: 0 })), rotateEveryHours: null }],
    });
  }

  private addGeneratedGroup(): void {
    let targetName = '';
    for (let attempt = 0; attempt < 50 && (targetName === '' || this.groupsByKey.has(targetName)); attempt++) {
      targetName = `${this.rng.pick(GROUP_AREAS)} ${this.rng.pick(GROUP_TEAMS)}${this.rng.pick(GROUP_SUFFIXES)}`;
    }
    for (let n = 2; this.groupsByKey.has(targetName); n++) targetName = `${targetName.replace(/ \d+$/, '')} ${n}`;
    const group = this.newGroup(targetName, this.rng.chance(0.85) ? 'ON_CALL' : 'BROADCAST');
    const size = Math.min(this.rng.int(3, 12), this.people.length);
    const members = new Set<string>();
    while (members.size < size) members.add(this.rng.pick(this.people).targetName);
    group.members = [...members];
    if (group.groupType === 'ON_CALL') {
      const timeline = (names: string[]) => names.map((targetName, i) => ({ targetName, delayMinutes: i === 0 ? 0 : 15 }));
      const day = group.members.slice(0, Math.max(1, Math.ceil(size / 2)));
      const night = group.members.slice(day.length);
      group.shifts = this.rng.chance(0.5) || night.length === 0
        ? [{ name: '24x7', startHour: 0, hours: 24, members: timeline(group.members), rotateEveryHours: 168 }]
        : [
            { name: 'Day', startHour: 8, hours: 12, members: timeline(day), rotateEveryHours: 24 },
            { name: 'Night', startHour: 20, hours: 12, members: timeline(night), rotateEveryHours: 24 },
          ];
    }
    group.description = `${targetName} team`;
    this.addGroup(group);
  }

  private newGroup(targetName: string, groupType: SimGroup['groupType']): SimGroup {
    return {
      id: this.rng.uuid(),
      targetName,
      description: '',
      status: 'ACTIVE',
      groupType,
      members: [],
      shifts: [],
      site: this.sites[0] as SimSite,
      created: this.pastDate(),
    };
  }

  private addGroup(group: SimGroup): void {
    this.groups.push(group);
    this.groupsByKey.set(group.id, group);
    this.groupsByKey.set(group.targetName, group);
  }

  private pastDate(): string {
    const start = Date.UTC(2015, 0, 1);
    return new Date(start + this.rng.int(0, 3 * 365) * 86_400_000 + this.rng.int(0, 86_399) * 1000).toISOString();
  }
}


function byTargetName(a: { targetName: string }, b: { targetName: string }): number {
  return a.targetName < b.targetName ? -1 : a.targetName > b.targetName ? 1 : 0;
}
