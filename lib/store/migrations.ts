import type { Knex } from 'knex';

/** One migration set for SQLite and PostgreSQL; times are epoch milliseconds in bigint columns. */
const migrations: Record<string, { up(db: Knex): Promise<void>; down(db: Knex): Promise<void> }> = {
  '001_installations': {
    async up(db) {
      await db.schema.createTable('installations', (t) => {
        t.string('oauth_id', 100).primary();
        t.bigInteger('group_id').notNullable();
        t.string('group_name', 200);
        t.bigInteger('room_id');
        t.string('capabilities_url', 2000).notNullable();
        t.string('api_url', 2000).notNullable();
        t.string('token_url', 2000).notNullable();
        t.string('homepage_url', 2000);
        t.text('oauth_secret_sealed').notNullable();
        t.string('state', 20).notNullable().defaultTo('active');
        t.bigInteger('created_at').notNullable();
        t.bigInteger('updated_at').notNullable();
        t.index(['group_id']);
      });
    },
    async down(db) {
      await db.schema.dropTable('installations');
    },
  },
  '002_settings_invites_jobs': {
    async up(db) {
      await db.schema.createTable('xmatters_settings', (t) => {
        t.string('installation_id', 100).primary().references('oauth_id').inTable('installations').onDelete('CASCADE');
        t.string('hostname', 255).notNullable();
        t.string('username', 255).notNullable();
        t.text('password_sealed').notNullable();
        t.string('invite_url', 2000);
        t.bigInteger('verified_at');
        t.string('verified_as', 255);
        t.string('callback_username', 100).unique();
        /** Input to the derivation of the callback password (lib/security/callback-credentials.ts); changes on regenerate. */
        t.string('callback_nonce', 100);
        /** SHA-256 of the callback password: incoming callbacks are verified against it. */
        t.string('callback_password_hash', 255);
        t.string('updated_by', 100);
        t.string('updated_by_name', 255);
        t.bigInteger('created_at').notNullable();
        t.bigInteger('updated_at').notNullable();
      });
      await db.schema.createTable('invites', (t) => {
        t.string('id', 36).primary();
        t.string('installation_id', 100).notNullable().references('oauth_id').inTable('installations').onDelete('CASCADE');
        t.bigInteger('room_id').notNullable();
        t.string('room_name', 255);
        t.string('inviter_id', 100);
        t.string('inviter_name', 255);
        t.string('inviter_mention', 100);
        t.text('description').notNullable();
        t.string('request_id', 100);
        t.string('state', 20).notNullable();
        t.string('idempotency_key', 100);
        t.text('last_error');
        t.bigInteger('created_at').notNullable();
        t.bigInteger('updated_at').notNullable();
        t.unique(['installation_id', 'idempotency_key']);
        t.index(['installation_id', 'room_id', 'created_at']);
      });
      await db.schema.createTable('invite_recipients', (t) => {
        t.increments('id').primary();
        t.string('invite_id', 36).notNullable().references('id').inTable('invites').onDelete('CASCADE');
        t.string('target_name', 255).notNullable();
        t.string('recipient_type', 10).notNullable();
        t.string('display_name', 255);
        t.string('state', 20).notNullable();
        t.string('last_response', 255);
        t.text('comment');
        t.string('device', 255);
        t.string('hipchat_user_id', 100);
        t.string('hipchat_mention', 100);
        t.bigInteger('responded_at');
        t.bigInteger('joined_at');
        t.bigInteger('created_at').notNullable();
        t.bigInteger('updated_at').notNullable();
        t.unique(['invite_id', 'target_name']);
      });
      await db.schema.createTable('jobs', (t) => {
        t.increments('id').primary();
        t.string('kind', 50).notNullable();
        t.string('installation_id', 100).notNullable().references('oauth_id').inTable('installations').onDelete('CASCADE');
        t.bigInteger('room_id');
        t.text('payload').notNullable();
        t.string('dedupe_key', 255).unique();
        t.string('state', 20).notNullable();
        t.integer('attempts').notNullable().defaultTo(0);
        t.integer('max_attempts').notNullable();
        t.bigInteger('run_at').notNullable();
        t.bigInteger('lease_until');
        t.string('locked_by', 100);
        t.text('last_error');
        t.bigInteger('created_at').notNullable();
        t.bigInteger('updated_at').notNullable();
        t.index(['state', 'run_at']);
        t.index(['installation_id', 'room_id']);
      });
      await db.schema.createTable('rooms', (t) => {
        t.string('installation_id', 100).notNullable().references('oauth_id').inTable('installations').onDelete('CASCADE');
        t.bigInteger('room_id').notNullable();
        t.boolean('archived').notNullable().defaultTo(false);
        t.bigInteger('updated_at').notNullable();
        t.primary(['installation_id', 'room_id']);
      });
      /** Natural keys of callbacks and webhooks already handled: the unique constraint is the dedupe. */
      await db.schema.createTable('seen_events', (t) => {
        t.string('installation_id', 100).notNullable().references('oauth_id').inTable('installations').onDelete('CASCADE');
        t.string('event_key', 255).notNullable();
        t.bigInteger('created_at').notNullable();
        t.primary(['installation_id', 'event_key']);
      });
    },
    async down(db) {
      for (const table of ['seen_events', 'rooms', 'jobs', 'invite_recipients', 'invites', 'xmatters_settings']) await db.schema.dropTable(table);
    },
  },
  '003_queue': {
    async up(db) {
      await db.schema.alterTable('jobs', (t) => {
        /** Times a worker stopped (died, or lost its lease) while running the job. */
        t.integer('abandoned_runs').notNullable().defaultTo(0);
        // Claims: expired leases, and a room's earlier unfinished jobs (the lane rule).
        t.index(['state', 'lease_until']);
        t.index(['installation_id', 'room_id', 'state', 'id']);
        // Housekeeping: finished jobs by age.
        t.index(['state', 'updated_at']);
      });
      await db.schema.alterTable('seen_events', (t) => {
        t.index(['created_at']);
      });
      /** HipChat REST calls made or reserved, per installation (its token's budget) and room (flood control). */
      await db.schema.createTable('hipchat_calls', (t) => {
        t.increments('id').primary();
        t.string('installation_id', 100).notNullable().references('oauth_id').inTable('installations').onDelete('CASCADE');
        t.bigInteger('room_id');
        t.boolean('notification').notNullable();
        /** The job that reserved or made the call; null for calls made outside the queue. */
        t.integer('job_id');
        /** reserved (held for a running job) or made. */
        t.string('state', 10).notNullable();
        /** Database time: when it was reserved (renewed while its job runs) or when it was made. */
        t.bigInteger('at').notNullable();
        t.index(['installation_id', 'at']);
        t.index(['installation_id', 'room_id', 'notification', 'at']);
        t.index(['job_id', 'state']);
        t.index(['at']);
      });
    },
    async down(db) {
      await db.schema.dropTable('hipchat_calls');
      await db.schema.alterTable('seen_events', (t) => t.dropIndex(['created_at']));
      await db.schema.alterTable('jobs', (t) => {
        t.dropIndex(['state', 'lease_until']);
        t.dropIndex(['installation_id', 'room_id', 'state', 'id']);
        t.dropIndex(['state', 'updated_at']);
        t.dropColumn('abandoned_runs');
        });
      },
    },
  '004_trust': {
    async up(db) {
      await db.schema.alterTable('installations', (t) => {
        t.bigInteger('revoked_at');
        t.index(['state', 'revoked_at']);
      });
      await db.schema.alterTable('xmatters_settings', (t) => {
        /** Match accepting responders to HipChat users by mention name = xMatters user ID, not only by e-mail. */
        t.boolean('match_mention_names').notNullable().defaultTo(false);
      });
    },
    async down(db) {
      await db.schema.alterTable('xmatters_settings', (t) => t.dropColumn('match_mention_names'));
      await db.schema.alterTable('installations', (t) => {
        t.dropIndex(['state', 'revoked_at']);
        t.dropColumn('revoked_at');
      });
    },
  },
  '005_alerts': {
    async up(db) {
      await db.schema.createTable('alert_sources', (t) => {
        t.string('id', 36).primary();
        t.string('installation_id', 100).notNullable().references('oauth_id').inTable('installations').onDelete('CASCADE');
        t.string('name', 100).notNullable();
        t.string('kind', 20).notNullable();
        /** The intake secret, sealed (lib/security/seal.ts); shown once, when it is made. */
        t.text('secret_sealed').notNullable();
        /** Rooms, templates, rules and windows as JSON (lib/alerts/settings.ts). */
        t.text('settings').notNullable();
        t.string('updated_by', 100);
        t.string('updated_by_name', 255);
        t.bigInteger('secret_created_at').notNullable();
        t.bigInteger('created_at').notNullable();
        t.bigInteger('updated_at').notNullable();
        t.index(['installation_id']);
      });
      /** One row per alert: its first occurrence, with a counter for the repeats folded into it. */
      await db.schema.createTable('alerts', (t) => {
        t.string('id', 36).primary();
        t.string('installation_id', 100).notNullable().references('oauth_id').inTable('installations').onDelete('CASCADE');
        t.string('source_id', 36).notNullable().references('id').inTable('alert_sources').onDelete('CASCADE');
        t.bigInteger('room_id').notNullable();
        t.string('alert_key', 255).notNullable();
        t.boolean('test').notNullable().defaultTo(false);
        t.integer('occurrences').notNullable();
        /** How many occurrences the room has been told about. */
        t.integer('posted_occurrences').notNullable();
        /** The latest occurrence's notice, which repeat notices are made from. */
        t.text('notice').notNullable();
        t.text('payload').notNullable();
        t.string('invite_id', 36);
        t.bigInteger('first_at').notNullable();
        t.bigInteger('last_at').notNullable();
        t.bigInteger('last_posted_at').notNullable();
        t.index(['source_id', 'first_at']);
        t.index(['last_at']);
      });
      /**
       * The dedupe windows: which alert a key folds into until `open_until`. The primary key is the dedupe,
       * taken by one upsert (lib/store/alerts.ts), never by reading first.
       */
      await db.schema.createTable('alert_windows', (t) => {
        t.string('source_id', 36).notNullable().references('id').inTable('alert_sources').onDelete('CASCADE');
        t.string('key_hash', 64).notNullable();
        t.string('alert_id', 36).notNullable();
        t.bigInteger('open_until').notNullable();
        t.primary(['source_id', 'key_hash']);
        t.index(['open_until']);
      });
      /** The auto-invite windows: at most one invite per alert key until `open_until`. */
      await db.schema.createTable('alert_invite_windows', (t) => {
        t.string('source_id', 36).notNullable().references('id').inTable('alert_sources').onDelete('CASCADE');
        t.string('key_hash', 64).notNullable();
        t.string('alert_id', 36).notNullable();
        t.bigInteger('open_until').notNullable();
        t.primary(['source_id', 'key_hash']);
        t.index(['open_until']);
      });
    },
    async down(db) {
      for (const table of ['alert_invite_windows', 'alert_windows', 'alerts', 'alert_sources']) await db.schema.dropTable(table);
    },
  },
  '006_events': {
    async up(db) {
      await db.schema.alterTable('invites', (t) => {
        /** The xMatters event the trigger made: its UUID and the numeric id callbacks carry. */
        t.string('event_id', 100);
        t.bigInteger('event_identifier');
        /** When xMatters answered the trigger with 202 and a requestId. */
        t.bigInteger('accepted_at');
        /** When a trigger's answer was lost (timeout, reset): it is not sent again before xMatters was asked for its event. */
        t.bigInteger('trigger_unknown_at');
        t.index(['installation_id', 'event_identifier']);
      });
      await db.schema.alterTable('xmatters_settings', (t) => {
        /** JSON lists of the answers that mean yes and no; null: the defaults (lib/invites/answers.ts). */
        t.text('accept_answers');
        t.text('decline_answers');
      });
    },
    async down(db) {
      await db.schema.alterTable('xmatters_settings', (t) => {
        t.dropColumn('accept_answers');
        t.dropColumn('decline_answers');
      });
      await db.schema.alterTable('invites', (t) => {
        t.dropIndex(['installation_id', 'event_identifier']);
        for (const c of ['event_id', 'event_identifier', 'accepted_at', 'trigger_unknown_at']) t.dropColumn(c);
      });
    },
  },
  '008_timeline': {
    async up(db) {
      await db.schema.alterTable('invites', (t) => {
        /** The xMatters event's status as its webhooks last told it (lower case: active, terminated, …). */
        t.string('event_status', 30);
      });
      await db.schema.alterTable('xmatters_settings', (t) => {
        /** While an invite is active: room messages become comments on its xMatters event. */
        t.boolean('room_to_xmatters').notNullable().defaultTo(true);
        /** Comments added in xMatters are posted in the room. */
        t.boolean('xmatters_to_room').notNullable().defaultTo(true);
      });
    },
    async down(db) {
      await db.schema.alterTable('xmatters_settings', (t) => {
        t.dropColumn('room_to_xmatters');
        t.dropColumn('xmatters_to_room');
      });
      await db.schema.alterTable('invites', (t) => t.dropColumn('event_status'));
    },
  },
  '010_activity': {
    async up(db) {
      /**
       * The configure tab's activity log: one row per delivery job (updated as its runs settle) and one per
       * callback received from xMatters; the last ACTIVITY_KEEP per installation are kept (lib/store/activity.ts).
       */
      await db.schema.createTable('activity', (t) => {
        t.increments('id').primary();
        t.string('installation_id', 100).notNullable().references('oauth_id').inTable('installations').onDelete('CASCADE');
        /** delivery (a job of the queue) or callback (received from xMatters). */
        t.string('source', 10).notNullable();
        /** The delivery's job; null for callbacks. */
        t.integer('job_id').unique();
        /** The job's kind, or the callback's kind (response, status, comment, …). */
        t.string('kind', 50).notNullable();
        /** hipchat or xmatters: the peer of the job's last call; xmatters for callbacks. */
        t.string('peer', 10);
        t.bigInteger('room_id');
        /** delivered, retrying, failed, requeued; accepted, ignored, refused. */
        t.string('outcome', 20).notNullable();
        /** The HTTP status of the delivery's last call, or the one the add-on answered a callback with. */
        t.integer('status_code');
        t.text('error');
        t.integer('attempts');
        /** What it was about, for people: the xMatters event of a callback. */
        t.string('subject', 255);
        t.bigInteger('created_at').notNullable();
        t.bigInteger('updated_at').notNullable();
        t.index(['installation_id', 'id']);
        t.index(['installation_id', 'outcome', 'id']);
      });
    },
    async down(db) {
      await db.schema.dropTable('activity');
    },
  },
  '009_glance': {
    async up(db) {
      await db.schema.alterTable('invite_recipients', (t) => {
        /** When the state last changed (sent → delivered → accepted → joined, or declined / no_answer / failed). */
        t.bigInteger('state_changed_at');
        /** A group's escalation steps xMatters reported (E12, E24); 0 until the first. */
        t.integer('escalation_step').notNullable().defaultTo(0);
        t.bigInteger('escalated_at');
        /** The row was made by a callback (a group member who answered or was notified), not by the invite. */
        t.boolean('from_callback').notNullable().defaultTo(false);
      });
      await db('invite_recipients').update({ state_changed_at: db.ref('updated_at') });
      await db('invite_recipients').whereNull('display_name').update({ from_callback: true });
      await db.schema.alterTable('xmatters_settings', (t) => {
        /** JSON list of xMatters group names to invite next, in order; null: none set. */
        t.text('next_groups');
        /** Minutes after an invite that the room is nudged when nobody accepted. */
        t.integer('nudge_minutes').notNullable().defaultTo(5);
      });
      await db.schema.createTable('room_glances', (t) => {
        t.string('installation_id', 100).notNullable();
        t.bigInteger('room_id').notNullable();
        /** sha256 of the glance content last pushed to HipChat: the same content is never pushed twice. */
        t.string('content_hash', 64).notNullable();
        t.integer('version').notNullable();
        t.bigInteger('pushed_at').notNullable();
        t.primary(['installation_id', 'room_id']);
      });
    },
    async down(db) {
      await db.schema.dropTable('room_glances');
      await db.schema.alterTable('xmatters_settings', (t) => {
        t.dropColumn('next_groups');
        t.dropColumn('nudge_minutes');
      });
      await db.schema.alterTable('invite_recipients', (t) => {
        for (const c of ['state_changed_at', 'escalation_step', 'escalated_at', 'from_callback']) t.dropColumn(c);
      });
    },
  },
};

export const migrationSource: Knex.MigrationSource<string> = {
  async getMigrations() {
    return Object.keys(migrations).sort();
  },
  getMigrationName(name) {
    return name;
  },
  async getMigration(name) {
    const migration = migrations[name];
    if (!migration) throw new Error(`Unknown migration ${name}`);
    return migration;
  },
};
