//! The one embedded font (Noto Sans, SIL Open Font License), registered with plotters before
//! any chart is drawn, so no system font or fontconfig is ever needed.

use std::sync::Once;

use plotters::style::{FontStyle, register_font};

pub const FAMILY: &str = "Noto Sans";

const REGULAR: &[u8] = include_bytes!("fonts/NotoSans-Regular.ttf");
const BOLD: &[u8] = include_bytes!("fonts/NotoSans-Bold.ttf");

pub fn register() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The bytes are compiled in and known to be valid fonts.
        let _ = register_font(FAMILY, FontStyle::Normal, REGULAR);
        let _ = register_font(FAMILY, FontStyle::Bold, BOLD);
    });
}
