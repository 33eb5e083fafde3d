/** One Prometheus label. Label sets are arrays sorted by name, with `__name__` as an ordinary label. */
export interface Label {
  name: string
  value: string
}
