//! The padded loops over every tail length, and the generic bodies' arithmetic lane by lane
//! against `f32`.

mod padded;
mod vector;
mod wide;
