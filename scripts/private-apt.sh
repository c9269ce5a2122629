# Sourced by setup.sh and test-tools.sh: apt through a private state folder, so the system's apt configuration and
# package lists are not touched. private_apt DIR TYPE (deb or deb-src) sets $mirror (the system's Debian mirror) and
# the array apt_opts, for `apt-get "${apt_opts[@]}" …`.
private_apt() {
  local dir=$1 type=$2
  mirror=$(grep -hsE '^\s*URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v security | head -n1 || true)
  [[ -n $mirror ]] || mirror=$(grep -hsE '^deb ' /etc/apt/sources.list | awk '{print $2}' | head -n1 || true)
  [[ -n $mirror ]] || mirror=http://deb.debian.org/debian
  mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
  echo "$type [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror bookworm main" >"$dir/sources.list"
  apt_opts=(-o "Dir::Etc::SourceList=$dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
            -o "Dir::State::Lists=$dir/lists" -o "Dir::Cache=$dir/cache" -o Debug::NoLocking=1
            -o APT::Sandbox::User=root)
}
