// A small hand-written list of common surnames for the name-classifier example
// (tests/fixtures/graphs/name-classifier.json), used by scripts/train-name-classifier.ts and its test.
// Lower-case letters, ' and - only. About 15% of each language is held out as a test split.

export const LABELS = ['Arabic', 'English', 'French', 'German', 'Italian', 'Japanese', 'Russian', 'Spanish'] as const;

export const NAMES: Record<(typeof LABELS)[number], string[]> = {
  Arabic: [
    'haddad', 'khoury', 'nassar', 'saleh', 'hassan', 'hussein', 'abboud', 'mansour', 'karam', 'bishara',
    'awad', 'khalil', 'ibrahim', 'mahmoud', 'mustafa', 'abdullah', 'rahman', 'aziz', 'qureshi', 'hamdan',
    'said', 'najjar', 'sabbagh', 'shadid', 'tannous', 'asghar', 'bazzi', 'daher', 'fakhoury', 'ghanem',
    'habib', 'jaber', 'kassab', 'maalouf', 'nader', 'nahas', 'rizk', 'safar', 'salib', 'shammas',
    'tahan', 'wehbe', 'yousef', 'zogby', 'attia', 'boutros', 'hakimi', 'fahim', 'antar', 'kanaan',
    'salim', 'sarraf', 'haik', 'qasim', 'amari',
  ],
  English: [
    'smith', 'johnson', 'williams', 'brown', 'jones', 'taylor', 'davies', 'wilson', 'evans', 'thomas',
    'roberts', 'walker', 'wright', 'thompson', 'white', 'hughes', 'edwards', 'green', 'hall', 'wood',
    'harris', 'clarke', 'jackson', 'turner', 'hill', 'cooper', 'ward', 'morris', 'baker', 'king',
    'harrison', 'morgan', 'allen', 'james', 'scott', 'phillips', 'watson', 'davis', 'parker', 'bennett',
    'young', 'carter', 'mitchell', 'shaw', 'fletcher', 'chapman', 'bradley', 'cartwright', 'whitfield', 'ashworth',
    'blackwood', 'fairbanks', 'goodwin', 'hawkins', 'sutton',
  ],
  French: [
    'dubois', 'petit', 'durand', 'leroy', 'moreau', 'laurent', 'lefebvre', 'bertrand', 'roux', 'fournier',
    'morel', 'girard', 'andre', 'lefevre', 'mercier', 'dupont', 'lambert', 'bonnet', 'francois', 'legrand',
    'garnier', 'faure', 'rousseau', 'blanc', 'guerin', 'roussel', 'perrin', 'morin', 'mathieu', 'clement',
    'gauthier', 'dumont', 'fontaine', 'chevalier', 'beaumont', 'delacroix', 'desjardins', 'rochefort', 'lemaire', 'boucher',
    'charpentier', 'deschamps', 'giraud', 'marchand', 'picard', 'renaud', 'tessier', 'villeneuve', 'lacroix', 'poirier',
    'leclerc', 'duval', 'brunet', 'aubert',
  ],
  German: [
    'muller', 'schmidt', 'schneider', 'fischer', 'weber', 'meyer', 'wagner', 'becker', 'schulz', 'hoffmann',
    'schafer', 'koch', 'bauer', 'richter', 'klein', 'wolf', 'schroder', 'neumann', 'schwarz', 'zimmermann',
    'braun', 'kruger', 'hofmann', 'hartmann', 'lange', 'schmitt', 'werner', 'schmitz', 'krause', 'meier',
    'lehmann', 'schmid', 'schulze', 'maier', 'kohler', 'herrmann', 'konig', 'walter', 'mayer', 'huber',
    'kaiser', 'fuchs', 'peters', 'lang', 'scholz', 'moller', 'weiss', 'jung', 'hahn', 'schubert',
    'vogel', 'friedrich', 'keller', 'gunther', 'frank',
  ],
  Italian: [
    'rossi', 'russo', 'ferrari', 'esposito', 'bianchi', 'romano', 'colombo', 'ricci', 'marino', 'greco',
    'bruno', 'gallo', 'conti', 'deluca', 'mancini', 'costa', 'giordano', 'rizzo', 'lombardi', 'moretti',
    'barbieri', 'fontana', 'santoro', 'mariani', 'rinaldi', 'caruso', 'ferrara', 'galli', 'martini', 'leone',
    'longo', 'gentile', 'martinelli', 'vitale', 'lombardo', 'serra', 'coppola', 'desantis', 'damico', 'marchetti',
    'parisi', 'villa', 'conte', 'ferraro', 'ferri', 'fabbri', 'bianco', 'marini', 'grasso', 'valentini',
    'messina', 'sala', 'gatti', 'pellegrini', 'palumbo',
  ],
  Japanese: [
    'sato', 'suzuki', 'takahashi', 'tanaka', 'watanabe', 'ito', 'yamamoto', 'nakamura', 'kobayashi', 'kato',
    'yoshida', 'yamada', 'sasaki', 'yamaguchi', 'matsumoto', 'inoue', 'kimura', 'hayashi', 'shimizu', 'yamazaki',
    'mori', 'abe', 'ikeda', 'hashimoto', 'yamashita', 'ishikawa', 'nakajima', 'maeda', 'fujita', 'ogawa',
    'goto', 'okada', 'hasegawa', 'murakami', 'kondo', 'ishii', 'saito', 'sakamoto', 'endo', 'aoki',
    'fujii', 'nishimura', 'fukuda', 'ota', 'miura', 'fujiwara', 'okamoto', 'matsuda', 'nakagawa', 'nakano',
    'harada', 'ono', 'tamura', 'takeuchi', 'kaneko',
  ],
  Russian: [
    'ivanov', 'smirnov', 'kuznetsov', 'popov', 'vasiliev', 'petrov', 'sokolov', 'mikhailov', 'novikov', 'fedorov',
    'morozov', 'volkov', 'alekseev', 'lebedev', 'semenov', 'egorov', 'pavlov', 'kozlov', 'stepanov', 'nikolaev',
    'orlov', 'andreev', 'makarov', 'nikitin', 'zakharov', 'zaitsev', 'solovyov', 'borisov', 'yakovlev', 'grigoriev',
    'romanov', 'vorobyov', 'sergeev', 'kuzmin', 'frolov', 'alexandrov', 'dmitriev', 'korolev', 'gusev', 'kiselev',
    'ilyin', 'maksimov', 'polyakov', 'sorokin', 'vinogradov', 'kovalev', 'belov', 'medvedev', 'antonov', 'tarasov',
    'zhukov', 'baranov', 'filippov', 'komarov', 'davydov',
  ],
  Spanish: [
    'garcia', 'rodriguez', 'gonzalez', 'fernandez', 'lopez', 'martinez', 'sanchez', 'perez', 'gomez', 'martin',
    'jimenez', 'ruiz', 'hernandez', 'diaz', 'moreno', 'alvarez', 'munoz', 'romero', 'alonso', 'gutierrez',
    'navarro', 'torres', 'dominguez', 'vazquez', 'ramos', 'gil', 'ramirez', 'serrano', 'blanco', 'suarez',
    'molina', 'morales', 'ortega', 'delgado', 'castro', 'ortiz', 'rubio', 'marin', 'sanz', 'iglesias',
    'nunez', 'medina', 'garrido', 'cortes', 'castillo', 'santos', 'lozano', 'guerrero', 'cano', 'prieto',
    'mendez', 'cruz', 'calvo', 'gallego', 'vidal',
  ],
};

export interface Example {
  name: string;
  label: number;
}

/** Every 7th name of each language (starting at the 4th) is held out: about 14%. */
function split(test: boolean): Example[] {
  const out: Example[] = [];
  LABELS.forEach((lang, label) => {
    NAMES[lang].forEach((name, i) => {
      if ((i % 7 === 3) === test) out.push({ name, label });
    });
  });
  return out;
}

export const TRAIN: Example[] = split(false);
export const TEST: Example[] = split(true);
