/** One line of a chart: a name for the legend and one value per x position (null leaves a gap). */
export interface Series {
  name: string;
  values: (number | null)[];
}
