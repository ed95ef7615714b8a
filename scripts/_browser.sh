# Shared by scripts/test and scripts/screens: Debian's Chromium and ChromeDriver for
# the browser tests (no browser download at run time), and for the documents the
# DejaVu fonts and Pango WeasyPrint prints with and poppler's pdftoppm the tests
# render pages with. Installed once, with apt.
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ] || [ ! -x /usr/bin/pdftoppm ] \
    || [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] \
    || ! /sbin/ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0; then
    echo "== installing Debian's chromium and chromium-driver for the browser tests"
    sudo_cmd=""
    if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi
    $sudo_cmd apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q \
        --no-install-recommends chromium chromium-driver fonts-dejavu-core poppler-utils \
        libpango-1.0-0 libpangoft2-1.0-0
fi
