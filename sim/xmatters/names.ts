// Word lists the generated directory draws from.

export const FIRST_NAMES = [
  'Aaron', 'Abigail', 'Adam', 'Adrian', 'Aisha', 'Alan', 'Alice', 'Amara', 'Amir', 'Ana', 'Andre', 'Anita',
  'Ben', 'Bianca', 'Brandon', 'Carla', 'Carlos', 'Chen', 'Chloe', 'Daniel', 'Deepa', 'Diana', 'Dmitri', 'Elena',
  'Emeka', 'Emily', 'Erik', 'Fatima', 'Felix', 'Grace', 'Hannah', 'Hiro', 'Ingrid', 'Isaac', 'Jamal', 'Jana',
  'Javier', 'Jin', 'Julia', 'Kai', 'Karen', 'Kenji', 'Laura', 'Leila', 'Liam', 'Lucas', 'Maria', 'Mateo',
  'Mei', 'Mohammed', 'Nadia', 'Natalie', 'Noah', 'Olga', 'Omar', 'Priya', 'Rafael', 'Rosa', 'Sam', 'Samantha',
  'Sanjay', 'Sofia', 'Tariq', 'Thomas', 'Uma', 'Victor', 'Wei', 'Yara', 'Yusuf', 'Zoe',
];

export const LAST_NAMES = [
  'Adams', 'Ahmed', 'Alvarez', 'Andersen', 'Baker', 'Banerjee', 'Brown', 'Campbell', 'Chen', 'Clarke', 'Costa',
  'Cruz', 'Davis', 'Dubois', 'Edwards', 'Evans', 'Fischer', 'Garcia', 'Gonzalez', 'Gupta', 'Hall', 'Hansen',
  'Hernandez', 'Hughes', 'Ito', 'Jackson', 'Johansson', 'Kim', 'Kowalski', 'Kumar', 'Lee', 'Lopez', 'Martin',
  'Mendoza', 'Miller', 'Moreau', 'Murphy', 'Nakamura', 'Nguyen', 'Novak', 'Okafor', 'Olsen', 'Patel', 'Perez',
  'Petrov', 'Quinn', 'Reyes', 'Rossi', 'Santos', 'Schmidt', 'Silva', 'Singh', 'Smith', 'Suzuki', 'Taylor',
  'Thompson', 'Tran', 'Walker', 'Wang', 'Weber', 'Williams', 'Wilson', 'Yamamoto', 'Young', 'Zhang',
];

export const GROUP_AREAS = [
  'APAC', 'Billing', 'Cloud', 'Core', 'EMEA', 'Edge', 'Identity', 'LATAM', 'Mobile', 'NA', 'Payments',
  'Platform', 'Retail', 'Search', 'Web',
];

export const GROUP_TEAMS = [
  'Backup', 'Database', 'Infrastructure', 'Messaging', 'Monitoring', 'Network', 'Operations', 'QA', 'Release',
  'SRE', 'Security', 'Service Desk', 'Storage', 'Support', 'Windows',
];

export const GROUP_SUFFIXES = ['', ' Escalation', ' On-Call'];

export const SITES = [
  { name: 'Default Site', timezone: 'US/Pacific' },
  { name: 'London', timezone: 'Europe/London' },
  { name: 'Singapore', timezone: 'Asia/Singapore' },
  { name: 'New York', timezone: 'US/Eastern' },
];
