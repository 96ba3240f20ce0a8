/**
 * Small word lists for the built-in name and address strategies, so the common strategies
 * never need Faker. Module-private to `src/sync/`.
 *
 * @module
 */

/** Given names. */
export const FIRST_NAMES: readonly string[] = (
  "Aaron Abigail Adam Adrian Aisha Alan Albert Alice Amara Amelia Ana Andrea Andrew Angela Anna Anton Arjun Astrid " +
  "Ava Beatriz Ben Bianca Boris Bruno Camila Carla Carlos Carmen Caroline Chen Chloe Chris Clara Colin Daniel Daria " +
  "David Diana Diego Dmitri Elena Eli Elif Elise Emil Emily Emma Eric Erin Ethan Eva Fatima Felix Fiona Frank " +
  "Freya Gabriel Grace Hana Hannah Hassan Helen Henry Hugo Ines Ingrid Isaac Isabel Ivan Jack Jade James Jana Jasper " +
  "Javier Jin Joan John Jonas Jorge Julia Julian Kai Karen Karim Kate Kenji Lara Laura Leo Leon Lena Liam Lily Lina " +
  "Lucas Lucia Luis Maya Marco Maria Mark Marta Mateo Max Mei Mia Miguel Mila Nadia Naomi Nina Noah Nora Olga Oliver " +
  "Omar Oscar Pablo Paul Petra Priya Rafael Rahul Rosa Ruth Sam Sara Sean Sofia Sven Tariq Tess Theo Tom Uma Vera " +
  "Victor Wei Will Yara Yusuf Zoe"
).split(" ");

/** Family names. */
export const LAST_NAMES: readonly string[] = (
  "Abbott Adams Ahmed Alvarez Andersen Bailey Baker Becker Bennett Berg Brooks Brown Campbell Carter Castro Chen " +
  "Clark Cohen Collins Cruz Dahl Davies Diaz Dubois Edwards Evans Fischer Flores Foster Garcia Gomez Gray Green " +
  "Gupta Hall Hansen Harris Hayes Hernandez Hill Hoffmann Hughes Ito Jackson Jansen Jensen Johnson Jones Kaur Kelly " +
  "Khan Kim Klein Kowalski Larsen Lee Lewis Lopez Martin Martinez Meyer Miller Moore Morales Morgan Murphy Nakamura " +
  "Nguyen Nielsen Novak Olsen Ortiz Park Patel Perez Peters Petrov Phillips Price Reed Reyes Richter Rivera Roberts " +
  "Rossi Russo Sanchez Santos Schmidt Schulz Silva Singh Smith Sousa Stewart Suzuki Tanaka Taylor Thomas Torres " +
  "Turner Vogel Wagner Walker Wang Ward Weber White Wilson Wong Wright Yamamoto Young Zhang"
).split(" ");

/** Street names. */
export const STREETS: readonly string[] = (
  "Maple Oak Cedar Pine Elm Birch Willow Ash Chestnut Walnut Spruce Poplar Hawthorn Juniper Linden Magnolia Alder " +
  "Hazel Laurel Cherry Orchard Meadow River Lake Hill Valley Forest Garden Park Station Church Mill Bridge Harbor " +
  "Sunset Highland Spring Market Castle King Queen"
).split(" ");

/** Street suffixes. */
export const STREET_SUFFIXES: readonly string[] = "Street Avenue Road Lane Drive Way Court Place Boulevard Terrace"
  .split(" ");

/** City names. */
export const CITIES: readonly string[] = (
  "Springfield Riverton Lakeside Fairview Greenville Kingston Milton Ashford Brookfield Clayton Dover Easton " +
  "Franklin Georgetown Hamilton Hudson Jackson Lancaster Madison Marion Newport Oakland Oxford Plymouth Richmond " +
  "Salem Shelby Troy Union Vernon Warren Winchester"
).split(" ");
