//! Renders the editor to an image without a window or a GPU: runs a few egui frames with a
//! fake host, tessellates the output and rasterizes the triangles on the CPU into a PPM
//! file. A development aid for looking at the editor's layout and colours (the real
//! screenshot comes from the plugin window under Xvfb).
//!
//! `cargo run -p chronus-editor --example snapshot -- out.ppm [preset.json] [--pending]`
//! (`--pending`: with uncommitted edits, a refused connection and a rejected commit).

use std::collections::HashMap;
use std::io::Write;

use chronus_editor::testing::FakeHost;
use chronus_editor::{CommitOutcome, CommitReport, PatchEditorUi};
use egui::epaint::{ClippedPrimitive, ImageData, Primitive, TextureId, Vertex};
use egui::{Color32, Pos2, RawInput, Rect, Vec2};

const WIDTH: usize = 1280;
const HEIGHT: usize = 800;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let pending = args.iter().any(|a| a == "--pending");
    let mut args = args.into_iter().filter(|a| !a.starts_with("--"));
    let out = args.next().unwrap_or_else(|| "editor.ppm".to_owned());
    let mut editor = match args.next() {
        Some(path) => {
            let text = std::fs::read_to_string(&path).expect("read the patch");
            PatchEditorUi::from_json(&text).expect("a valid patch")
        }
        None => PatchEditorUi::with_default_patch(),
    };
    let mut host = FakeHost {
        macros: [
            0.65, 0.3, 0.5, 0.0, 0.8, 0.0, 0.0, 0.2, 0.0, 0.0, 0.0, 0.0, 0.45, 0.0, 0.0, 0.0,
        ],
        ..FakeHost::default()
    };
    host.meters.peak = [0.71, 0.66];
    host.meters.rms = [0.32, 0.29];
    host.meters.scope = (0..512)
        .map(|i| {
            let t = i as f32 / 512.0 * std::f32::consts::TAU * 3.0;
            0.6 * t.sin() + 0.15 * (3.0 * t).sin()
        })
        .collect();
    host.status.swaps = 3;
    host.status.active_revision = 3;
    host.status.cpu_mean = 0.021;
    host.status.cpu_max = 0.064;
    host.status.last_commit = Some(CommitReport {
        revision: 3,
        outcome: CommitOutcome::Swapped {
            prime_ms: 0.41,
            latency_ms: 2.6,
            latency_samples: 125,
        },
    });
    if let Some(first) = editor.session().document().patch.modules.get(2) {
        let id = first.id.clone();
        editor.select(Some(id));
    }

    if pending {
        host.answer = chronus_editor::testing::Answer::Reject(
            "peak +31.0 dBFS exceeds the -1.0 dBFS ceiling".to_owned(),
        );
        let s = editor.session_mut();
        let at = chronus_engine::patch::Position { x: 0.0, y: 260.0 };
        s.add_module(&mut host, "sine", at);
        s.connect(&mut host, "osc2.out", "filt1.cutoff");
        s.commit(&mut host);
        s.add_module(&mut host, "delay", at);
        s.connect(&mut host, "osc2.out", "filt1.in");
    }

    let ctx = egui::Context::default();
    let mut textures: HashMap<TextureId, egui::ColorImage> = HashMap::new();
    let mut primitives = Vec::new();
    for frame in 0..4 {
        let input = RawInput {
            screen_rect: Some(Rect::from_min_size(
                Pos2::ZERO,
                Vec2::new(WIDTH as f32, HEIGHT as f32),
            )),
            time: Some(frame as f64 / 60.0),
            ..Default::default()
        };
        let mut output = ctx.run_ui(input, |ui| editor.ui(ui, &mut host));
        for (id, deltas) in &output.textures_delta.set {
            for delta in deltas {
                let ImageData::Color(image) = &delta.image;
                match delta.pos {
                    None => {
                        textures.insert(*id, (**image).clone());
                    }
                    Some([x0, y0]) => {
                        let target = textures.get_mut(id).expect("patched texture exists");
                        for y in 0..image.size[1] {
                            for x in 0..image.size[0] {
                                target[(x0 + x, y0 + y)] = image[(x, y)];
                            }
                        }
                    }
                }
            }
        }
        output.textures_delta.clear();
        primitives = ctx.tessellate(output.shapes, output.pixels_per_point);
    }

    let mut canvas = vec![Color32::BLACK; WIDTH * HEIGHT];
    for p in &primitives {
        draw(&mut canvas, p, &textures);
    }
    let mut file = std::io::BufWriter::new(std::fs::File::create(&out).expect("create"));
    write!(file, "P6\n{WIDTH} {HEIGHT}\n255\n").expect("write");
    for c in &canvas {
        file.write_all(&[c.r(), c.g(), c.b()]).expect("write");
    }
    println!("wrote {out}");
}

fn draw(
    canvas: &mut [Color32],
    p: &ClippedPrimitive,
    textures: &HashMap<TextureId, egui::ColorImage>,
) {
    let Primitive::Mesh(mesh) = &p.primitive else {
        return;
    };
    let Some(texture) = textures.get(&mesh.texture_id) else {
        return;
    };
    let clip = p.clip_rect.intersect(Rect::from_min_size(
        Pos2::ZERO,
        Vec2::new(WIDTH as f32, HEIGHT as f32),
    ));
    for tri in mesh.indices.chunks_exact(3) {
        let v = [
            mesh.vertices[tri[0] as usize],
            mesh.vertices[tri[1] as usize],
            mesh.vertices[tri[2] as usize],
        ];
        triangle(canvas, &v, clip, texture);
    }
}

fn triangle(canvas: &mut [Color32], v: &[Vertex; 3], clip: Rect, texture: &egui::ColorImage) {
    let (a, b, c) = (v[0].pos, v[1].pos, v[2].pos);
    let area = (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x);
    if area.abs() < 1e-9 {
        return;
    }
    let min_x = a.x.min(b.x).min(c.x).max(clip.min.x).floor().max(0.0) as usize;
    let max_x =
        a.x.max(b.x)
            .max(c.x)
            .min(clip.max.x)
            .ceil()
            .min(WIDTH as f32) as usize;
    let min_y = a.y.min(b.y).min(c.y).max(clip.min.y).floor().max(0.0) as usize;
    let max_y =
        a.y.max(b.y)
            .max(c.y)
            .min(clip.max.y)
            .ceil()
            .min(HEIGHT as f32) as usize;
    let [tw, th] = texture.size;
    for y in min_y..max_y {
        for x in min_x..max_x {
            let p = Pos2::new(x as f32 + 0.5, y as f32 + 0.5);
            let w0 = ((b.x - p.x) * (c.y - p.y) - (b.y - p.y) * (c.x - p.x)) / area;
            let w1 = ((c.x - p.x) * (a.y - p.y) - (c.y - p.y) * (a.x - p.x)) / area;
            let w2 = 1.0 - w0 - w1;
            if w0 < 0.0 || w1 < 0.0 || w2 < 0.0 {
                continue;
            }
            let u = w0 * v[0].uv.x + w1 * v[1].uv.x + w2 * v[2].uv.x;
            let t = w0 * v[0].uv.y + w1 * v[1].uv.y + w2 * v[2].uv.y;
            let tx = ((u * tw as f32) as usize).min(tw - 1);
            let ty = ((t * th as f32) as usize).min(th - 1);
            let tex = texture[(tx, ty)];
            let mix = |i: usize| {
                let cv = w0 * f32::from(v[0].color[i])
                    + w1 * f32::from(v[1].color[i])
                    + w2 * f32::from(v[2].color[i]);
                cv / 255.0 * f32::from(tex[i]) / 255.0
            };
            let src = [mix(0), mix(1), mix(2), mix(3)];
            let dst = &mut canvas[y * WIDTH + x];
            let keep = 1.0 - src[3];
            let blend = |s: f32, d: u8| {
                ((s + f32::from(d) / 255.0 * keep) * 255.0)
                    .round()
                    .clamp(0.0, 255.0) as u8
            };
            *dst = Color32::from_rgb(
                blend(src[0], dst.r()),
                blend(src[1], dst.g()),
                blend(src[2], dst.b()),
            );
        }
    }
}
